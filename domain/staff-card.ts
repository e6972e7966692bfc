import type { StaffRow } from "./assignment";
import type { StaffCard } from "../protocol";

export function staffCard(s: StaffRow): StaffCard {
  return {
    id: s.id,
    name: s.name,
    avatar: s.avatar,
    specialty: s.specialty,
    department: s.department,
    presence: s.presence,
  };
}

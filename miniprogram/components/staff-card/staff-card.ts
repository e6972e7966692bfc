// The assigned staff member: avatar, name, specialty, presence.
import { PRESENCE_LABELS } from "../../lib/kit";
import type { StaffCard } from "../../../protocol";

Component({
  options: { styleIsolation: "apply-shared" },
  properties: {
    staff: { type: Object, value: null as unknown as StaffCard | null },
    exclusive: { type: Boolean, value: false },
  },
  data: { presenceLabel: "" },
  observers: {
    staff(staff: StaffCard | null) {
      this.setData({ presenceLabel: staff ? PRESENCE_LABELS[staff.presence] : "" });
    },
  },
});

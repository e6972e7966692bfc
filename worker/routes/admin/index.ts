// Admin API (supervisors and admins): mounted at /api/admin.
import { router } from "../../http/app";

export const adminRoutes = router();

// Admin API, mounted at /api/admin: supervisors and admins may read; writes are admin-only
// (checked per route). Plain staff and customers get 403.
import { inArray, not } from "drizzle-orm";
import { staff } from "../../../domain/db/schema";
import { router } from "../../http/app";
import { managers, requireRole } from "../../http/auth";
import { readJson } from "../../http/errors";
import { onDutySchema } from "../../../protocol";
import { adminConversationRoutes } from "./conversations";
import { adminCustomerRoutes } from "./customers";
import { groupRoutes } from "./groups";
import { accountRoutes, staffAdminRoutes } from "./staff";
import { queueRoutes } from "./queue";
import { reportRoutes } from "./reports";
import { statsRoutes } from "./stats";
import { adminTemplateRoutes } from "./templates";

export const adminRoutes = router()
  .use("*", managers())
  .route("/account", accountRoutes)
  .route("/staff", staffAdminRoutes)
  .route("/groups", groupRoutes)
  .route("/customers", adminCustomerRoutes)
  .route("/conversations", adminConversationRoutes)
  .route("/stats", statsRoutes)
  .route("/queue", queueRoutes)
  .route("/reports", reportRoutes)
  .route("/templates", adminTemplateRoutes)
  // Who is on duty outside working hours (settings page).
  .put("/on-duty", requireRole("admin"), async (c) => {
    const { staffIds } = await readJson(c, onDutySchema);
    const db = c.get("db");
    await db.update(staff).set({ isOnDuty: true }).where(inArray(staff.id, staffIds));
    await db.update(staff).set({ isOnDuty: false }).where(not(inArray(staff.id, staffIds)));
    return c.json({ staffIds });
  });

import { eq } from "drizzle-orm";
import { staff } from "../../domain/db/schema";
import { bumpStaffWithoutTotp } from "../../domain/auth/session";
import { closeSessions } from "../../rooms/session-room";
import { router } from "../http/app";
import { managers, principal, requireRole } from "../http/auth";
import { badRequest } from "../../domain/errors";
import { readJson } from "../http/errors";
import { loadSettings, saveSettings, settingsPatchSchema } from "../../domain/settings";

export const settingsRoutes = router()
  .get("/", managers(), async (c) => c.json({ settings: await loadSettings(c.get("db")) }))
  .put("/", requireRole("admin"), async (c) => {
    const patch = await readJson(c, settingsPatchSchema);
    if (patch.requireTotp) {
      // Requiring TOTP while the admin has none would lock them out at the next sign-in.
      const [self] = await c.get("db").select({ totpEnabled: staff.totpEnabled }).from(staff).where(eq(staff.id, principal(c).sub));
      if (!self?.totpEnabled) throw badRequest("requireTotp: 请先为自己的账号启用动态验证码，再要求所有账号启用");
    }
    const before = await loadSettings(c.get("db"));
    const settings = await saveSettings(c.get("db"), patch);
    // Sessions opened without a TOTP code end when TOTP becomes required.
    if (settings.requireTotp && !before.requireTotp) await closeSessions(c.env, await bumpStaffWithoutTotp(c.get("db")));
    return c.json({ settings });
  });

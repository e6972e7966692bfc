import { eq } from "drizzle-orm";
import { staff } from "../../domain/db/schema";
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
    return c.json({ settings: await saveSettings(c.get("db"), patch) });
  });

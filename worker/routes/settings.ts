import { router } from "../http/app";
import { managers, requireRole } from "../http/auth";
import { readJson } from "../http/errors";
import { loadSettings, saveSettings, settingsPatchSchema } from "../settings";

export const settingsRoutes = router()
  .get("/", managers(), async (c) => c.json({ settings: await loadSettings(c.get("db")) }))
  .put("/", requireRole("admin"), async (c) => {
    const patch = await readJson(c, settingsPatchSchema);
    return c.json({ settings: await saveSettings(c.get("db"), patch) });
  });

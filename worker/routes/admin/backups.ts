// Database backups for admins: list, download, and take one now. Mounted at /api/admin/backups.
import { backupKey, backupNameSchema, dailyBackup, listBackups } from "../../../domain/backup";
import { router } from "../../http/app";
import { requireRole } from "../../http/auth";
import { notFound } from "../../../domain/errors";

export const backupRoutes = router()
  .use(requireRole("admin"))
  .get("/", async (c) => c.json({ items: await listBackups(c.env.MEDIA) }))
  .post("/", async (c) => c.json(await dailyBackup(c.env, Date.now()), 201))
  .get("/:name", async (c) => {
    const name = c.req.param("name");
    if (!backupNameSchema.safeParse(name).success) throw notFound("备份不存在");
    const object = await c.env.MEDIA.get(backupKey(name));
    if (!object) throw notFound("备份不存在");
    return new Response(object.body, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-length": String(object.size),
        "content-disposition": `attachment; filename="kefu-backup-${name}"`,
        "cache-control": "no-store",
      },
    });
  });

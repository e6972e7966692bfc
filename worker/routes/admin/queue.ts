// The live queue for the dashboard (supervisors and admins): who waits for a reply, and how long.
import { router } from "../../http/app";
import { waitingQueue } from "../../../domain/queue";

export const queueRoutes = router().get("/", async (c) => c.json(await waitingQueue(c.get("db"))));

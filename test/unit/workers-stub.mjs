// Lets Node import Worker modules for inspection (the route list): `cloudflare:workers` exists
// only inside workerd, so it resolves to a stand-in with the names those modules import.
export async function resolve(specifier, context, next) {
  if (specifier === "cloudflare:workers") return { url: "data:text/javascript,export class DurableObject {} export class WorkerEntrypoint {} export const env = {};", shortCircuit: true };
  return next(specifier, context);
}

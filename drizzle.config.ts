import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "sqlite",
  schema: "./domain/db/schema.ts",
  out: "./migrations",
});

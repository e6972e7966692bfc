// Servers the benchmark runs in processes of their own (the bare relay, the fake WeChat API), so
// that the load generator's event loop measures and does nothing else.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { rootDir } from "../scripts/wrangler";

/** Starts `npx tsx <file> <args>` and resolves with the first stdout line matching `ready`. */
export function startTsxChild(file: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ["--import", "tsx", file, ...args], { cwd: rootDir, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    let done = false;
    lines.on("line", (line) => {
      const match = done ? null : ready.exec(line);
      if (match) {
        done = true;
        resolve({ child, match });
      }
    });
    child.once("exit", (code) => reject(new Error(`${file} exited (${code})`)));
    setTimeout(() => {
      if (!done) {
        child.kill("SIGKILL");
        reject(new Error(`${file} did not start`));
      }
    }, 30_000).unref();
  });
}

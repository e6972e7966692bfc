// Customer turns of conversations, computed in SQL from D1's message copies (definitions in
// domain/stats.ts). Shared by the statistics (conversations still copied in D1) and by the copy
// window, which folds the same turns into message_rollups before it deletes the copies, so both
// count alike.
import { type SQL, sql } from "drizzle-orm";

export const HOUR_MS = 3_600_000;

/**
 * Asks (a customer message after a staff one, or the conversation's first) and answers (a staff
 * message after a customer one) alternate in a conversation, so each answer's previous event is
 * its ask: a window over the events pairs them, with no join (a join of the numbered asks and
 * answers could take minutes on a month of local D1, as the planner chose a nested loop).
 *
 * CTEs `msgs` (customer and staff messages of the conversations `scope` selects, as `m`) and
 * `turns` (cid, at: the turn's first customer message, n: 1 for the first turn, ms, staff_id: who answered).
 */
export function turnCtes(scope: SQL): SQL {
  return sql`
    msgs AS (
      SELECT m.conversation_id AS cid, m.seq, m.sender_type AS type, m.sender_id AS sid, m.sent_at AS at,
             LAG(m.sender_type) OVER (PARTITION BY m.conversation_id ORDER BY m.seq) AS prev
      FROM messages m
      WHERE m.sender_type IN ('customer', 'staff') AND ${scope}
    ),
    events AS (
      SELECT cid, seq, type, sid, at FROM msgs
      WHERE (type = 'customer' AND (prev IS NULL OR prev = 'staff')) OR (type = 'staff' AND prev = 'customer')
    ),
    paired AS (
      SELECT cid, type, sid, at,
             LAG(at) OVER (PARTITION BY cid ORDER BY seq) AS ask_at,
             SUM(type = 'customer') OVER (PARTITION BY cid ORDER BY seq) AS n
      FROM events
    ),
    turns AS (
      SELECT cid, ask_at AS at, n, at - ask_at AS ms, sid AS staff_id FROM paired WHERE type = 'staff'
    )`;
}

/** The message_rollups rows of the conversations `scope` selects (one per conversation, hour and sender). */
export function rollupSelect(scope: SQL): SQL {
  const hour = (col: string) => sql.raw(`(${col} / ${HOUR_MS}) * ${HOUR_MS}`);
  return sql`
    WITH ${turnCtes(scope)},
    parts AS (
      SELECT cid, ${hour("at")} AS hour, type, sid, COUNT(*) AS messages, 0 AS turns, 0 AS turn_ms, 0 AS first_turns, 0 AS first_ms
      FROM msgs GROUP BY 1, 2, 3, 4
      UNION ALL
      SELECT cid, ${hour("at")}, 'staff', staff_id, 0, COUNT(*), SUM(ms), SUM(n = 1), SUM(CASE WHEN n = 1 THEN ms ELSE 0 END)
      FROM turns GROUP BY 1, 2, 3, 4
    )
    SELECT cid, hour, type, sid, SUM(messages), SUM(turns), SUM(turn_ms), SUM(first_turns), SUM(first_ms)
    FROM parts WHERE true GROUP BY 1, 2, 3, 4`;
}

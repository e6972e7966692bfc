// A conversation's messages as its room keeps them (the source of truth, kept for the whole
// retention): transcripts, exports and the customer's earlier-history pages read them there, so
// they work for conversations whose D1 copies the copy window removed. The Worker supplies the
// reader (an RPC to the ConversationRoom); domain/ does not know the rooms.
import type { Message } from "../protocol";

export type HistoryQuery = { after?: number; before?: number; limit: number };
export type HistoryReader = (conversationId: string, q: HistoryQuery) => Promise<{ messages: Message[] }>;

const PAGE = 500;

/** Every message of a conversation, in seq order. */
export async function transcript(read: HistoryReader, conversationId: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const { messages } = await read(conversationId, { after: all.at(-1)?.seq ?? 0, limit: PAGE });
    all.push(...messages);
    if (messages.length < PAGE) return all;
  }
}

/** The transcripts of several conversations, read from their rooms side by side. */
export async function transcripts(read: HistoryReader, ids: string[]): Promise<Map<string, Message[]>> {
  const texts = await Promise.all(ids.map((id) => transcript(read, id)));
  return new Map(ids.map((id, i) => [id, texts[i]]));
}

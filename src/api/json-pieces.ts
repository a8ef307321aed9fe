/**
 * A JSON document given as pieces rather than one string: bytes (stored objects, served
 * as they are stored) and text (the short joints between them), so a LIST of thousands
 * of objects is written without turning bytes into strings and back, and without a
 * small Buffer for every joint. Text is UTF-8 when written.
 */
export type JsonPiece = Buffer | string;

/** The pieces as one buffer (a single object's response). */
export function joinJsonPieces(pieces: readonly JsonPiece[]): Buffer {
  return Buffer.concat(pieces.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
}

/** Writes text to a stream, waiting while its buffer is full, so output of any size costs constant memory. */
export async function send(out: NodeJS.WritableStream, text: string, encoding: BufferEncoding = 'utf8'): Promise<void> {
  if (out.write(text, encoding)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      out.off('drain', done);
      out.off('error', done);
      if (error) reject(error);
      else resolve();
    };
    out.once('drain', done);
    out.once('error', done);
  });
}

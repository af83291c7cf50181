/**
 * A tiny cookie-keeping HTTP client for tests that act as one person in a browser: same-origin
 * requests with the Origin header a browser would send.
 */
export class TestBrowser {
  readonly #cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  get cookieHeader(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        origin: new URL(this.baseUrl).origin,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.#cookies.size > 0 ? { cookie: this.cookieHeader } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      redirect: 'manual',
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return response;
  }

  async json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await this.request(method, path, body);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async signUp(email: string, password = 'correct horse battery', name = 'Testeur'): Promise<void> {
    const { status, body } = await this.json('POST', '/api/auth/sign-up/email', { email, password, name });
    if (status !== 200) throw new Error(`sign-up failed: ${status} ${JSON.stringify(body)}`);
  }

  async signIn(email: string, password: string): Promise<number> {
    return (await this.json('POST', '/api/auth/sign-in/email', { email, password })).status;
  }
}

export interface SseEvent {
  event: string;
  data: string;
}

/** Reads a text/event-stream response event by event (WHATWG HTML §9.2 framing, enough for tests). */
export async function* readSse(response: Response): AsyncGenerator<SseEvent> {
  if (!response.body) throw new Error('no body');
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) yield { event, data: data.join('\n') };
      end = buffer.indexOf('\n\n');
    }
  }
}

/** Resolves when `predicate` holds for an event of the stream, or rejects after `timeoutMs`. */
export async function waitForEvent(
  events: AsyncGenerator<SseEvent>,
  predicate: (event: SseEvent) => boolean,
  timeoutMs = 10_000,
): Promise<SseEvent> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
  });
  // next() by hand: leaving a for-await loop would close the generator for later waits.
  const search = (async () => {
    for (;;) {
      const next = await events.next();
      if (next.done) throw new Error('stream ended');
      if (predicate(next.value)) return next.value;
    }
  })();
  try {
    return await Promise.race([search, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

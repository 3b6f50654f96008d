/** JSON calls to a running API, returning status and parsed body, for tests that drive it over HTTP. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

/** Calls the API with `token` (a manager's, in most tests) unless the headers carry their own Authorization. */
export function apiCaller(baseUrl: () => string, token?: () => string) {
  return async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
    const response = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token()}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (metrics, event streams): the text it is.
    }
    return { status: response.status, body: parsed, headers: response.headers };
  };
}

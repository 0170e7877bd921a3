// Requests to the lorad API (same origin). With a token configured on the server, the first 401 asks the user for
// it once; it is kept in localStorage and sent as `Authorization: Bearer` from then on.

import { askForToken } from "./tokenDialog.js";

const tokenKey = "lorad.token";

/** An API answer that was not 2xx, carrying the problem+json body when there is one. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? null;
  }

  /** The `errors` of a 422 (`[{field, message}]`), or an empty list. */
  get fieldErrors() {
    return Array.isArray(this.problem?.errors) ? this.problem.errors : [];
  }
}

export function storedToken() {
  return localStorage.getItem(tokenKey);
}

/** The headers every API request carries: the bearer token when one is stored. */
export function authorizationHeaders() {
  const token = storedToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** A random Idempotency-Key (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function randomKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

let pendingToken = null;

/** Asks for a token (concurrent 401s share one dialog) and stores it; false when the user declined. */
export async function renewToken() {
  pendingToken ??= askForToken().finally(() => {
    pendingToken = null;
  });
  const token = await pendingToken;
  if (!token) return false;
  localStorage.setItem(tokenKey, token);
  return true;
}

async function problemOf(response) {
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("json")) return null;
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/**
 * Sends a request and returns the raw response once it is 2xx or 304; a 401 asks for the token and tries again
 * once. Throws `ApiError` for any other status.
 */
export async function send(path, options = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { ...options.headers, ...authorizationHeaders() };
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401 && attempt === 0 && (await renewToken())) continue;
    if (!response.ok && response.status !== 304) throw new ApiError(response.status, await problemOf(response));
    return response;
  }
}

/** GET (or another method with a JSON body) returning the parsed JSON answer, or null for 204. */
export async function requestJSON(path, { method = "GET", body, headers = {} } = {}) {
  const options = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers["Content-Type"] = "application/json";
  }
  const response = await send(path, options);
  return response.status === 204 ? null : response.json();
}

/**
 * POSTs a multipart form with XMLHttpRequest, whose upload events report progress (fetch has none), calling
 * `onProgress(fraction)`. Resolves with the parsed JSON answer; rejects with `ApiError`.
 */
export function uploadForm(path, formData, onProgress) {
  const attempt = () =>
    new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", path);
      request.setRequestHeader("Accept", "application/json");
      for (const [name, value] of Object.entries(authorizationHeaders())) request.setRequestHeader(name, value);
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      request.addEventListener("load", () => {
        let json = null;
        try {
          json = JSON.parse(request.responseText);
        } catch {
          json = null;
        }
        if (request.status >= 200 && request.status < 300) resolve(json);
        else reject(new ApiError(request.status, json));
      });
      request.addEventListener("error", () => reject(new ApiError(0, { detail: "the upload failed (network)" })));
      request.send(formData);
    });
  return attempt().catch(async (error) => {
    if (error instanceof ApiError && error.status === 401 && (await renewToken())) return attempt();
    throw error;
  });
}

/**
 * A URL an <img> or a link can use for an API resource: the path itself without a token; with one (an <img>
 * cannot send headers) an object URL of the bytes fetched with it.
 */
export async function resourceURL(path) {
  if (!storedToken()) return path;
  const response = await send(path);
  return URL.createObjectURL(await response.blob());
}

// Passkeys (WebAuthn) as a second factor: the server sends the options as
// JSON with binary members in base64url, and wants the browser's credential
// back as JSON the same way. These conversions are small and done here, so
// they work in browsers without PublicKeyCredential.parse*OptionsFromJSON.

// base64url (RFC 4648 §5, no padding) to bytes. Throws on bad input.
export function b64urlToBytes(s: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(s)) throw new Error("not base64url");
  const b64 = s.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  if (b64.length % 4 === 1) throw new Error("not base64url");
  const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// bytes (an ArrayBuffer or a view) to base64url without padding.
export function bytesToB64url(buf: ArrayBuffer | ArrayBufferView): string {
  const u8 = buf instanceof ArrayBuffer ? new Uint8Array(buf) : new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  let bin = "";
  for (let i = 0; i < u8.length; i += 0x8000) bin += String.fromCharCode(...u8.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type J = Record<string, unknown>;

function credDescriptors(list: unknown): PublicKeyCredentialDescriptor[] | undefined {
  if (!Array.isArray(list)) return undefined;
  return (list as J[]).map((d) => ({
    type: "public-key",
    id: b64urlToBytes(String(d.id)),
    ...(Array.isArray(d.transports) ? { transports: d.transports as AuthenticatorTransport[] } : {}),
  }));
}

// The server's options may come as {publicKey: {...}} or bare.
const inner = (o: J): J => ((o.publicKey as J) ?? o) as J;

// creationOptions turns the server's JSON for navigator.credentials.create
// into the browser's shape (challenge, user.id and excluded ids as bytes).
export function creationOptions(json: J): PublicKeyCredentialCreationOptions {
  const p = inner(json);
  const user = p.user as J;
  const out: J = { ...p };
  out.challenge = b64urlToBytes(String(p.challenge));
  out.user = { ...user, id: b64urlToBytes(String(user.id)) };
  const ex = credDescriptors(p.excludeCredentials);
  if (ex) out.excludeCredentials = ex;
  else delete out.excludeCredentials;
  return out as unknown as PublicKeyCredentialCreationOptions;
}

// requestOptions does the same for navigator.credentials.get.
export function requestOptions(json: J): PublicKeyCredentialRequestOptions {
  const p = inner(json);
  const out: J = { ...p };
  out.challenge = b64urlToBytes(String(p.challenge));
  const allow = credDescriptors(p.allowCredentials);
  if (allow) out.allowCredentials = allow;
  else delete out.allowCredentials;
  return out as unknown as PublicKeyCredentialRequestOptions;
}

// The parts of a PublicKeyCredential credentialJSON reads (so tests can
// pass plain objects).
export interface CredentialLike {
  id: string;
  rawId: ArrayBuffer;
  type: string;
  authenticatorAttachment?: string | null;
  response: {
    clientDataJSON: ArrayBuffer;
    attestationObject?: ArrayBuffer;
    authenticatorData?: ArrayBuffer;
    signature?: ArrayBuffer;
    userHandle?: ArrayBuffer | null;
    getTransports?: () => string[];
  };
  getClientExtensionResults?: () => AuthenticationExtensionsClientOutputs;
}

// credentialJSON is what PublicKeyCredential.toJSON() gives: binary
// members as base64url.
export function credentialJSON(c: CredentialLike): J {
  const r = c.response;
  const resp: J = { clientDataJSON: bytesToB64url(r.clientDataJSON) };
  if (r.attestationObject) {
    resp.attestationObject = bytesToB64url(r.attestationObject);
    if (typeof r.getTransports === "function") resp.transports = r.getTransports();
  }
  if (r.authenticatorData) resp.authenticatorData = bytesToB64url(r.authenticatorData);
  if (r.signature) resp.signature = bytesToB64url(r.signature);
  if (r.userHandle) resp.userHandle = bytesToB64url(r.userHandle);
  return {
    id: c.id,
    rawId: bytesToB64url(c.rawId),
    type: c.type,
    response: resp,
    clientExtensionResults: c.getClientExtensionResults?.() ?? {},
    ...(c.authenticatorAttachment ? { authenticatorAttachment: c.authenticatorAttachment } : {}),
  };
}

// passkeysSupported: can this browser make and use passkeys at all?
export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}

// passkeyErrorText explains why the browser's passkey prompt failed.
export function passkeyErrorText(e: unknown): string {
  const name = e instanceof Error ? e.name : "";
  switch (name) {
    case "NotAllowedError":
      return "The passkey request was cancelled or timed out. Try again.";
    case "InvalidStateError":
      return "This passkey is already registered for your account.";
    case "SecurityError":
      return "Passkeys work only at ward's own address (its public URL). Ask your administrator.";
    case "NotSupportedError":
      return "This browser or device cannot use a passkey here.";
  }
  return e instanceof Error ? e.message : String(e);
}

// Attachments: upload with progress (XMLHttpRequest, whose upload events
// fetch does not offer), and the small arithmetic and wording the thread
// shows. The file goes as the raw request body; its name travels in the
// X-Filename header, percent-encoded UTF-8 (RFC 5987); the server sniffs
// the type and ignores the request's Content-Type.
import { ApiError } from "./api";
import { normAttachment, type Attachment } from "./messaging";

export const attachmentURL = (id: string, inline = false) =>
  `/api/v1/attachments/${encodeURIComponent(id)}${inline ? "?inline=1" : ""}`;
export const uploadURL = (cid: string) => `/api/v1/conversations/${encodeURIComponent(cid)}/attachments`;

// The types the server accepts (it sniffs; this only sets the file
// picker's filter).
export const acceptTypes = "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain";

// isPreviewable: the server serves these inline with ?inline=1.
export function isPreviewable(contentType: string): boolean {
  const t = contentType.split(";")[0].trim().toLowerCase();
  return t === "image/png" || t === "image/jpeg" || t === "image/gif" || t === "image/webp";
}

// progressPercent is a whole percentage of loaded over total, 0..100; an
// unknown total (0) counts as not started, and 100 is kept for "done" (the
// last byte sent is not yet the server's answer).
export function progressPercent(loaded: number, total: number, done = false): number {
  if (done) return 100;
  if (!(total > 0) || !(loaded > 0)) return 0;
  return Math.min(99, Math.max(0, Math.floor((loaded / total) * 100)));
}

// formatSize: bytes as a person reads them (1 decimal below 10 units).
export function formatSize(bytes: number): string {
  if (!(bytes >= 0)) return "";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

// typeLabel is a short name for a content type ("PNG image", "PDF").
export function typeLabel(contentType: string): string {
  const t = contentType.split(";")[0].trim().toLowerCase();
  switch (t) {
    case "image/png":
      return "PNG image";
    case "image/jpeg":
      return "JPEG image";
    case "image/gif":
      return "GIF image";
    case "image/webp":
      return "WebP image";
    case "application/pdf":
      return "PDF";
    case "text/plain":
      return "Text";
  }
  return t || "File";
}

// uploadErrorText turns a refused upload into a plain sentence.
export function uploadErrorText(code: string, detail: string, name: string): string {
  switch (code) {
    case "too_large":
      return `“${name}” is too large to send. ${detail ? detail.charAt(0).toUpperCase() + detail.slice(1) + "." : ""}`.trim();
    case "unsupported_media":
      return `“${name}” cannot be sent: ward accepts images (PNG, JPEG, GIF, WebP), PDF and plain text files.`;
    case "network":
      return `“${name}” did not upload: the server cannot be reached. Check the connection and try again.`;
    case "aborted":
      return `The upload of “${name}” was cancelled.`;
  }
  return `“${name}” did not upload: ${detail || "the server refused it"}.`;
}

// encodeFilename percent-encodes a file name for X-Filename.
export const encodeFilename = (name: string) => "UTF-8''" + encodeURIComponent(name);

export interface XHRLike {
  open(method: string, url: string): void;
  setRequestHeader(k: string, v: string): void;
  send(body: Blob): void;
  abort(): void;
  status: number;
  responseText: string;
  withCredentials: boolean;
  upload: { onprogress: ((e: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

export interface UploadHandle {
  done: Promise<Attachment>;
  abort(): void;
}

// upload sends one file to a conversation; onProgress gets 0..100.
// Refusals reject with ApiError (code from the problem answer).
export function upload(
  cid: string,
  file: Blob & { name: string },
  csrf: string,
  onProgress: (pct: number) => void,
  makeXHR: () => XHRLike = () => new XMLHttpRequest() as unknown as XHRLike,
): UploadHandle {
  const xhr = makeXHR();
  const done = new Promise<Attachment>((resolve, reject) => {
    xhr.open("POST", uploadURL(cid));
    xhr.withCredentials = true;
    xhr.setRequestHeader("X-Filename", encodeFilename(file.name));
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(progressPercent(e.loaded, e.total));
    };
    xhr.onload = () => {
      let body: Record<string, unknown> = {};
      try {
        body = xhr.responseText ? (JSON.parse(xhr.responseText) as Record<string, unknown>) : {};
      } catch {
        /* not JSON */
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100);
        resolve(normAttachment(body));
        return;
      }
      const code = typeof body.code === "string" ? body.code : "http_" + xhr.status;
      const detail = typeof body.detail === "string" ? body.detail : typeof body.title === "string" ? body.title : "";
      reject(new ApiError(xhr.status, code, detail));
    };
    xhr.onerror = () => reject(new ApiError(0, "network", "The server cannot be reached."));
    xhr.onabort = () => reject(new ApiError(0, "aborted", "cancelled"));
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}

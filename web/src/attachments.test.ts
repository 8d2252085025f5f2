import { describe, expect, it } from "vitest";
import {
  encodeFilename,
  formatSize,
  isPreviewable,
  progressPercent,
  typeLabel,
  upload,
  uploadErrorText,
  type XHRLike,
} from "./attachments";
import { ApiError } from "./api";

describe("progressPercent", () => {
  it("is a floor percentage, kept below 100 until done", () => {
    expect(progressPercent(0, 100)).toBe(0);
    expect(progressPercent(1, 3)).toBe(33);
    expect(progressPercent(999, 1000)).toBe(99);
    expect(progressPercent(1000, 1000)).toBe(99);
    expect(progressPercent(1000, 1000, true)).toBe(100);
  });
  it("treats an unknown or odd total as not started, and clamps", () => {
    expect(progressPercent(50, 0)).toBe(0);
    expect(progressPercent(NaN, 10)).toBe(0);
    expect(progressPercent(-5, 10)).toBe(0);
    expect(progressPercent(20, 10)).toBe(99);
  });
});

describe("formatSize", () => {
  it("reads like a person would say it", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(200 * 1024)).toBe("200 KB");
    expect(formatSize(25 * 1024 * 1024)).toBe("25 MB");
    expect(formatSize(-1)).toBe("");
  });
});

describe("types and names", () => {
  it("previews only the images the server serves inline", () => {
    expect(isPreviewable("image/png")).toBe(true);
    expect(isPreviewable("image/jpeg")).toBe(true);
    expect(isPreviewable("image/svg+xml")).toBe(false);
    expect(isPreviewable("application/pdf")).toBe(false);
    expect(typeLabel("text/plain; charset=utf-8")).toBe("Text");
  });
  it("percent-encodes file names", () => {
    expect(encodeFilename("Röntgen 1.png")).toBe("UTF-8''R%C3%B6ntgen%201.png");
  });
  it("explains refusals", () => {
    expect(uploadErrorText("too_large", "the file is over the limit of 25 MiB", "scan.tif")).toContain("too large");
    expect(uploadErrorText("too_large", "the file is over the limit of 25 MiB", "scan.tif")).toContain("25 MiB");
    expect(uploadErrorText("unsupported_media", "", "a.exe")).toContain("PDF");
  });
});

class FakeXHR implements XHRLike {
  status = 0;
  responseText = "";
  withCredentials = false;
  headers: Record<string, string> = {};
  url = "";
  sent: Blob | null = null;
  upload: XHRLike["upload"] = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;
  open(_m: string, url: string) {
    this.url = url;
  }
  setRequestHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  send(b: Blob) {
    this.sent = b;
  }
  abort() {
    this.onabort?.();
  }
}

describe("upload", () => {
  const file = Object.assign(new Blob(["hello"]), { name: "notes.txt" });
  it("sends the raw file with its name and the CSRF token, reports progress, answers the attachment", async () => {
    const x = new FakeXHR();
    const seen: number[] = [];
    const h = upload("c1", file, "tok", (p) => seen.push(p), () => x);
    expect(x.url).toBe("/api/v1/conversations/c1/attachments");
    expect(x.headers["X-Filename"]).toBe("UTF-8''notes.txt");
    expect(x.headers["X-CSRF-Token"]).toBe("tok");
    expect(x.sent).toBe(file);
    x.upload.onprogress?.({ loaded: 2, total: 4, lengthComputable: true });
    x.status = 201;
    x.responseText = JSON.stringify({ id: "a1", name: "notes.txt", content_type: "text/plain", size: 5 });
    x.onload?.();
    expect(await h.done).toEqual({ id: "a1", name: "notes.txt", content_type: "text/plain", size: 5 });
    expect(seen).toEqual([50, 100]);
  });
  it("rejects with the problem's code", async () => {
    const x = new FakeXHR();
    const h = upload("c1", file, "tok", () => {}, () => x);
    x.status = 415;
    x.responseText = JSON.stringify({ code: "unsupported_media", detail: "nope" });
    x.onload?.();
    await expect(h.done).rejects.toMatchObject({ code: "unsupported_media", status: 415 });
    const y = new FakeXHR();
    const h2 = upload("c1", file, "tok", () => {}, () => y);
    h2.abort();
    await expect(h2.done).rejects.toBeInstanceOf(ApiError);
  });
});

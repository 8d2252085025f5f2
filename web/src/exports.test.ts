import { describe, expect, it } from "vitest";
import { emptyExportForm, etaText, exportProblem, exportRequest, selectionText, sizeText, statusText, type ExportJob } from "./exports";

const rcpt = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";

describe("exportProblem", () => {
  it("needs a selection unless all, a date order and one key", () => {
    expect(exportProblem({ ...emptyExportForm, recipient: rcpt })).toMatch(/which patient/);
    expect(exportProblem({ ...emptyExportForm, by: "all", recipient: rcpt })).toBe("");
    expect(exportProblem({ ...emptyExportForm, value: "M-1", recipient: rcpt, from: "2026-02-01", to: "2026-01-01" })).toMatch(/before/);
    expect(exportProblem({ ...emptyExportForm, value: "M-1", recipient: "age1nope" })).toMatch(/age1/);
    expect(exportProblem({ ...emptyExportForm, value: "M-1", keyKind: "passphrase", passphrase: "short" })).toMatch(/12/);
    expect(exportProblem({ ...emptyExportForm, value: "M-1", keyKind: "passphrase", passphrase: "long enough phrase" })).toBe("");
  });
});

describe("exportRequest", () => {
  it("sends the one selection, the dates set and the one key", () => {
    expect(exportRequest({ ...emptyExportForm, value: " M-1 ", recipient: rcpt, from: "2026-01-01" })).toEqual({ mrn: "M-1", from: "2026-01-01", recipient: rcpt });
    expect(exportRequest({ ...emptyExportForm, by: "all", keyKind: "passphrase", passphrase: "p", recipient: rcpt })).toEqual({ passphrase: "p" });
  });
});

const job = (over: Partial<ExportJob>): ExportJob => ({
  id: "j",
  status: "running",
  user_id: "u",
  selection: { patient_id: "p1", from: "1970-01-01T00:00:00Z", to: "2026-12-06T10:00:00Z" },
  encryption: "recipient",
  percent: 42.5,
  messages: 10,
  attachment_bytes: 0,
  attempts: 1,
  created_at: "2026-12-06T10:00:00Z",
  ...over,
});

describe("progress", () => {
  it("reads percent, ETA and the end states", () => {
    expect(statusText(job({}))).toBe("42.5%");
    expect(statusText(job({ attempts: 2 }))).toMatch(/restarted/);
    expect(statusText(job({ status: "failed", error: "disk full" }))).toBe("Failed: disk full");
    expect(etaText(job({}))).toBe("estimating…");
    expect(etaText(job({ eta_seconds: 30 }))).toBe("under a minute left");
    expect(etaText(job({ eta_seconds: 150 }))).toBe("about 3 min left");
    expect(etaText(job({ eta_seconds: 7320 }))).toBe("about 2 h 2 min left");
    expect(etaText(job({ status: "queued" }))).toBe("waiting to start");
    expect(etaText(job({ status: "done" }))).toBe("");
  });
  it("names the selection and sizes", () => {
    expect(selectionText(job({}))).toBe("patient p1, 1970-01-01 to 2026-12-06");
    expect(selectionText(job({ selection: { from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" } }))).toMatch(/^every conversation/);
    expect(sizeText(512)).toBe("512 B");
    expect(sizeText(3 << 20)).toBe("3.0 MiB");
  });
});

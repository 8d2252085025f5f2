import { useEffect, useState } from "preact/hooks";
import { type User } from "../api";
import {
  downloadURL,
  emptyExportForm,
  etaText,
  exportProblem,
  exportRequest,
  running,
  selectionText,
  sizeText,
  statusText,
  type ExportForm,
  type ExportJob,
  type SelectBy,
} from "../exports";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";

// ArchiveExports starts archive exports in the background and shows them
// with a progress bar, percent and ETA, a cancel button while they run and
// a download link when they are done (docs/archive.md). Compliance
// officers only.
export function ArchiveExports(props: { dir: Record<string, User> }) {
  const w = useWard();
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const [f, setF] = useState<ExportForm>(emptyExportForm);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  async function load() {
    try {
      setJobs((await w.api.get<{ exports: ExportJob[] }>("/api/v1/compliance/exports")).exports);
    } catch (e) {
      setError(errorText(e));
    }
  }
  useEffect(() => void load(), []);
  const anyRunning = jobs.some(running);
  useEffect(() => {
    if (!anyRunning) return;
    const t = setInterval(() => void load(), 1000);
    return () => clearInterval(t);
  }, [anyRunning]);
  async function start(e: Event) {
    e.preventDefault();
    const why = exportProblem(f);
    if (why) return setError(why);
    setError("");
    setBusy(true);
    try {
      await w.api.post<ExportJob>("/api/v1/compliance/exports", exportRequest(f));
      setF({ ...f, passphrase: "" });
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }
  async function cancel(j: ExportJob) {
    setError("");
    try {
      await w.api.post(`/api/v1/compliance/exports/${encodeURIComponent(j.id)}/cancel`, {});
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  }
  const set = (k: keyof ExportForm) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  const people = Object.values(props.dir).sort((a, b) => a.name.localeCompare(b.name));
  const name = (id: string) => props.dir[id]?.name || id;
  return (
    <section class="card stack" aria-labelledby="exports-title" id="archive-exports">
      <h2 id="exports-title">Archive exports</h2>
      <p class="muted">
        A signed archive of the messages, attachments and audit events, encrypted with age to a recipient key or a passphrase. It runs in
        the background; starting, cancelling and downloading are recorded.
      </p>
      <form class="filters" onSubmit={start} id="export-form">
        <div class="filter-grid">
          <div>
            <label for="ex-by">Export</label>
            <select id="ex-by" value={f.by} onChange={(e) => setF({ ...f, by: (e.currentTarget as HTMLSelectElement).value as SelectBy, value: "" })}>
              <option value="mrn">A patient (MRN)</option>
              <option value="patient_id">A patient record (id)</option>
              <option value="conversation_id">A conversation (id)</option>
              <option value="user_id">A user's conversations</option>
              <option value="all">Every conversation</option>
            </select>
          </div>
          {f.by === "user_id" ? (
            <div>
              <label for="ex-value">User</label>
              <select id="ex-value" value={f.value} onChange={set("value")}>
                <option value="">Choose…</option>
                {people.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name} ({u.role})
                  </option>
                ))}
              </select>
            </div>
          ) : (
            f.by !== "all" && (
              <div>
                <label for="ex-value">{f.by === "mrn" ? "MRN" : "Id"}</label>
                <input id="ex-value" value={f.value} onInput={set("value")} maxLength={64} />
              </div>
            )
          )}
          <div>
            <label for="ex-from">From</label>
            <input id="ex-from" type="date" value={f.from} onInput={set("from")} />
          </div>
          <div>
            <label for="ex-to">To (excluded)</label>
            <input id="ex-to" type="date" value={f.to} onInput={set("to")} />
          </div>
          <div>
            <label for="ex-key">Encrypt to</label>
            <select id="ex-key" value={f.keyKind} onChange={(e) => setF({ ...f, keyKind: (e.currentTarget as HTMLSelectElement).value as ExportForm["keyKind"] })}>
              <option value="recipient">A recipient key (age1…)</option>
              <option value="passphrase">A passphrase</option>
            </select>
          </div>
          {f.keyKind === "recipient" ? (
            <div>
              <label for="ex-recipient">Recipient key</label>
              <input id="ex-recipient" value={f.recipient} onInput={set("recipient")} placeholder="age1…" autocomplete="off" spellcheck={false} />
            </div>
          ) : (
            <div>
              <label for="ex-passphrase">Passphrase</label>
              <input id="ex-passphrase" type="password" value={f.passphrase} onInput={set("passphrase")} autocomplete="new-password" />
            </div>
          )}
        </div>
        <button class="primary" type="submit" id="ex-submit" disabled={busy}>
          Start the export
        </button>
      </form>
      <ErrorLine error={error} id="export-error" />
      {jobs.length === 0 ? (
        <p class="muted">No exports yet.</p>
      ) : (
        <ul class="stack plain" id="export-jobs">
          {jobs.map((j) => (
            <li key={j.id} class="card stack" data-export={j.id} data-status={j.status}>
              <div>
                <strong>{selectionText(j)}</strong> · by {name(j.user_id)} · {formatDateTime(j.created_at)} · to a {j.encryption}
              </div>
              {running(j) && (
                <div class="row">
                  <progress max={100} value={j.percent} aria-label="Export progress" class="export-progress" />
                  <span class="export-percent">{statusText(j)}</span>
                  <span class="muted export-eta">{etaText(j)}</span>
                  <button class="small danger export-cancel" onClick={() => void cancel(j)}>
                    Cancel
                  </button>
                </div>
              )}
              {!running(j) && (
                <div class="row">
                  <span class="export-status">{statusText(j)}</span>
                  {j.status === "done" && (
                    <>
                      <span class="muted">
                        {j.counts ? `${j.counts.conversations} conversations, ${j.counts.messages} messages, ${j.counts.attachments} attachments · ` : ""}
                        {sizeText(j.size ?? 0)}
                      </span>
                      <a class="small export-download" href={downloadURL(j)} download={`ward-archive-${j.archive_id}.age`}>
                        Download
                      </a>
                    </>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

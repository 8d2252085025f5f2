// The accounting of disclosures (45 CFR 164.528, docs/compliance.md): a
// patient's MRN and a period give every access to and disclosure of their
// PHI, as a table and as CSV or PDF; the requests with their 60-day
// deadlines. The pure part is src/accounting.ts.
import { useEffect, useState } from "preact/hooks";
import {
  accountingRequest,
  deadlineState,
  emptyAccountingDraft,
  type Accounting as AccountingAnswer,
  type AccountingBody,
  type AccountingDraft,
  type AccountingRequest,
} from "../accounting";
import { useWard } from "./context";
import { ErrorLine, errorText, formatDateTime } from "./common";

export function Accounting() {
  const w = useWard();
  const [draft, setDraft] = useState<AccountingDraft>(emptyAccountingDraft);
  const [asked, setAsked] = useState<AccountingBody | null>(null);
  const [answer, setAnswer] = useState<AccountingAnswer | null>(null);
  const [requests, setRequests] = useState<AccountingRequest[]>([]);
  const [requestedOn, setRequestedOn] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");

  const loadRequests = () =>
    w.api
      .get<{ requests: AccountingRequest[] }>("/api/v1/compliance/accounting/requests")
      .then((r) => setRequests(r.requests))
      .catch((e) => setError(errorText(e)));
  useEffect(() => {
    void loadRequests();
  }, []);

  const run = async (e: Event) => {
    e.preventDefault();
    const r = accountingRequest(draft);
    if (r.error || !r.body) return setError(r.error ?? "");
    setBusy(true);
    setError("");
    try {
      setAnswer(await w.api.post<AccountingAnswer>("/api/v1/compliance/accounting", { ...r.body, format: "json" }));
      setAsked(r.body);
      await loadRequests();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const logRequest = async () => {
    const r = accountingRequest(draft);
    if (r.error || !r.body) return setError(r.error ?? "");
    try {
      const body: Record<string, string> = { ...r.body };
      if (requestedOn) body.requested_at = requestedOn;
      await w.api.post("/api/v1/compliance/accounting/requests", body);
      setError("");
      await loadRequests();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const download = async (format: "csv" | "pdf") => {
    if (!asked || !answer) return;
    try {
      const blob = await w.api.postFile("/api/v1/compliance/accounting", { request_id: answer.request_id, format });
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = `accounting-${answer.request_id}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    } catch (err) {
      setError(errorText(err));
    }
  };

  const now = Date.now();
  return (
    <div class="pad stack">
      <h1>Accounting of disclosures</h1>
      <p class="muted">
        For one patient and a period (by default the six years up to today): every access to and disclosure of their health
        information that the audit trail holds, with who, when, what and why (45 CFR 164.528). Each answer is audited and kept
        as a request, due within 60 days of when the patient asked.
      </p>
      <form class="card stack" onSubmit={run} id="accounting-form">
        <label>
          Patient MRN
          <input id="accounting-mrn" value={draft.mrn} onInput={(e) => setDraft({ ...draft, mrn: e.currentTarget.value })} required />
        </label>
        <label>
          From (optional)
          <input id="accounting-from" type="date" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
        </label>
        <label>
          To (optional, that day included)
          <input id="accounting-to" type="date" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
        </label>
        <p>
          <button type="submit" class="primary" id="accounting-run" disabled={busy}>
            Show the accounting
          </button>
        </p>
        <details>
          <summary>Log a request to answer later</summary>
          <label>
            The patient asked on
            <input id="accounting-requested" type="date" value={requestedOn} onInput={(e) => setRequestedOn(e.currentTarget.value)} />
          </label>
          <button type="button" id="accounting-log" onClick={() => void logRequest()}>
            Log the request
          </button>
        </details>
      </form>
      <ErrorLine error={error} />
      {answer && (
        <section class="card" aria-labelledby="accounting-title">
          <h2 id="accounting-title">
            {answer.entries.length} entr{answer.entries.length === 1 ? "y" : "ies"}, {answer.from.slice(0, 10)} to {answer.to.slice(0, 10)}
          </h2>
          <p>
            <button type="button" id="accounting-csv" onClick={() => void download("csv")}>
              Download CSV
            </button>{" "}
            <button type="button" id="accounting-pdf" onClick={() => void download("pdf")}>
              Download PDF
            </button>
          </p>
          <div class="table-wrap">
            <table id="accounting-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">What</th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {answer.entries.map((e, i) => (
                  <tr key={i} data-action={e.action}>
                    <td class="nowrap">{formatDateTime(e.time)}</td>
                    <td>
                      {e.who} <span class="muted">({e.role})</span>
                    </td>
                    <td>
                      {e.what}
                      {e.kind === "disclosure" && <span class="badge">disclosure</span>}
                    </td>
                    <td>{e.why}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      <section class="card" aria-labelledby="requests-title">
        <h2 id="requests-title">Requests</h2>
        {requests.length === 0 ? (
          <p class="muted">No requests yet.</p>
        ) : (
          <div class="table-wrap">
            <table id="accounting-requests">
              <thead>
                <tr>
                  <th scope="col">Requested</th>
                  <th scope="col">Patient record</th>
                  <th scope="col">Period</th>
                  <th scope="col">Due</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {requests.map((r) => {
                  const st = deadlineState(r, now);
                  return (
                    <tr key={r.id} data-request={r.id}>
                      <td class="nowrap">{formatDateTime(r.requested_at)}</td>
                      <td>{r.patient_id}</td>
                      <td class="nowrap">
                        {r.from.slice(0, 10)} to {r.to.slice(0, 10)}
                      </td>
                      <td class="nowrap">{r.deadline.slice(0, 10)}</td>
                      <td>
                        <span class={"deadline-" + st.cls}>{st.label}</span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}

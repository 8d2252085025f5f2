// Patient records for clinicians and staff: the shapes the API answers
// with, and the checks the screens make before asking the server. They
// mirror internal/patients/fields.go (the server checks everything again).

export interface PatientFields {
  mrn: string;
  given_name: string;
  family_name: string;
  birth_date: string; // YYYY-MM-DD
  sex?: string;
  phone?: string;
  email?: string;
  preferred_language?: string;
  guardian?: string;
}

export interface Patient extends PatientFields {
  id: string;
  status: "active" | "deactivated";
  erased?: boolean;
  team_ids?: string[];
  has_account?: boolean;
  account_user_id?: string; // the patient's ward account (staff read it to name the patient in threads)
  merged_into?: string; // the record this duplicate was merged into
  created_at: string;
  updated_at: string;
}

export type FieldName = keyof PatientFields;

// The fields in form order, with their labels and limits (characters).
export const patientFields: { name: FieldName; label: string; max: number; required: boolean }[] = [
  { name: "mrn", label: "MRN", max: 64, required: true },
  { name: "given_name", label: "Given name", max: 200, required: true },
  { name: "family_name", label: "Family name", max: 200, required: true },
  { name: "birth_date", label: "Date of birth", max: 10, required: true },
  { name: "sex", label: "Sex", max: 16, required: false },
  { name: "phone", label: "Phone", max: 32, required: false },
  { name: "email", label: "Email", max: 254, required: false },
  { name: "preferred_language", label: "Preferred language", max: 35, required: false },
  { name: "guardian", label: "Guardian or proxy", max: 200, required: false },
];

export const sexes = ["female", "male", "other", "unknown"];

export function emptyFields(): Required<PatientFields> {
  return { mrn: "", given_name: "", family_name: "", birth_date: "", sex: "", phone: "", email: "", preferred_language: "", guardian: "" };
}

// today is the local calendar date as YYYY-MM-DD.
export function today(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

// isDate reports whether s is a real calendar date written YYYY-MM-DD
// (2023-02-29 is not).
export function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

// birthDateProblem says what is wrong with a date of birth, or "".
export function birthDateProblem(s: string, now: string = today()): string {
  if (!s) return "Enter the date of birth.";
  if (!isDate(s)) return "Enter the date of birth as YYYY-MM-DD (a real date).";
  if (s > now) return "The date of birth cannot be in the future.";
  if (s < "1850-01-01") return "The date of birth must be after 1850.";
  return "";
}

const control = /\p{Cc}/u;

// fieldProblems checks a patient form: the problem of each field that has
// one (trimmed as the server trims).
export function fieldProblems(f: PatientFields, now: string = today()): Partial<Record<FieldName, string>> {
  const out: Partial<Record<FieldName, string>> = {};
  for (const d of patientFields) {
    const v = (f[d.name] ?? "").trim();
    if (!v && d.required) out[d.name] = `Enter the ${d.label.toLowerCase()}.`;
    else if ([...v].length > d.max) out[d.name] = `${d.label} has at most ${d.max} characters.`;
    else if (control.test(v)) out[d.name] = `${d.label} holds a character that cannot be typed.`;
  }
  const dob = (f.birth_date ?? "").trim();
  if (!out.birth_date) {
    const p = birthDateProblem(dob, now);
    if (p) out.birth_date = p;
  }
  const sex = (f.sex ?? "").trim().toLowerCase();
  if (!out.sex && sex && !sexes.includes(sex)) out.sex = `Sex is one of ${sexes.join(", ")}, or not stated.`;
  const phone = (f.phone ?? "").trim();
  if (!out.phone && phone && !/^[+0-9 ().-]+$/.test(phone)) out.phone = "A phone number holds only digits, spaces and + - ( ) .";
  const email = (f.email ?? "").trim();
  if (!out.email && email) {
    const at = email.lastIndexOf("@");
    if (at < 1 || at === email.length - 1 || /\s/.test(email)) out.email = "This is not an email address.";
  }
  return out;
}

// cleanFields trims every field and leaves out the empty optional ones:
// the body of POST /api/v1/patients.
export function cleanFields(f: PatientFields): PatientFields {
  const out: PatientFields = { mrn: "", given_name: "", family_name: "", birth_date: "" };
  for (const d of patientFields) {
    let v = (f[d.name] ?? "").trim();
    if (d.name === "sex") v = v.toLowerCase();
    if (v || d.required) out[d.name] = v;
  }
  return out;
}

// changes is the body of PATCH /api/v1/patients/{id}: the fields of edited
// that differ from the record (an emptied optional field is sent as "").
export function changes(rec: PatientFields, edited: PatientFields): Partial<PatientFields> {
  const out: Partial<PatientFields> = {};
  for (const d of patientFields) {
    let v = (edited[d.name] ?? "").trim();
    if (d.name === "sex") v = v.toLowerCase();
    if (v !== (rec[d.name] ?? "")) out[d.name] = v;
  }
  return out;
}

// Search is what the patient search form holds.
export interface Search {
  by: "mrn" | "dob";
  mrn: string;
  birth_date: string;
  family_name: string;
}

// searchQuery turns the search form into the query of GET /api/v1/patients,
// or a problem to show instead.
export function searchQuery(s: Search, now: string = today()): { query: string } | { problem: string } {
  if (s.by === "mrn") {
    const mrn = s.mrn.trim();
    if (!mrn) return { problem: "Enter an MRN." };
    if ([...mrn].length > 64) return { problem: "An MRN has at most 64 characters." };
    return { query: "mrn=" + encodeURIComponent(mrn) };
  }
  const dob = s.birth_date.trim();
  const p = birthDateProblem(dob, now);
  if (p) return { problem: p };
  const family = s.family_name.trim();
  if (!family) return { problem: "Enter the family name." };
  if ([...family].length > 200) return { problem: "A family name has at most 200 characters." };
  return { query: "birth_date=" + encodeURIComponent(dob) + "&family_name=" + encodeURIComponent(family) };
}

// patientName is "Family, Given" (or a note for an erased record).
export function patientName(p: Pick<Patient, "given_name" | "family_name" | "erased">): string {
  if (p.erased) return "Erased record";
  return [p.family_name, p.given_name].filter(Boolean).join(", ");
}

// formatBirthDate shows a YYYY-MM-DD date of birth without time zone
// shifts (it is a calendar date, not an instant), with the age in years.
export function formatBirthDate(dob: string, now: string = today()): string {
  if (!isDate(dob)) return dob;
  const [y, m, d] = dob.split("-").map(Number);
  const [ny, nm, nd] = now.split("-").map(Number);
  let age = ny - y;
  if (nm < m || (nm === m && nd < d)) age--;
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${d} ${months[m - 1]} ${y}` + (age >= 0 ? ` (${age} y)` : "");
}

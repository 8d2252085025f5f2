import { describe, expect, it } from "vitest";
import {
  birthDateProblem,
  changes,
  cleanFields,
  emptyFields,
  fieldProblems,
  formatBirthDate,
  isDate,
  patientName,
  searchQuery,
  today,
} from "./patients";
import { parseRoute } from "./router";
import { patientRecordOf } from "./messaging";

const jane = { mrn: "AB-1234", given_name: "Jane", family_name: "Doe", birth_date: "1980-02-29" };

describe("dates", () => {
  it("knows real calendar dates", () => {
    expect(isDate("1980-02-29")).toBe(true);
    expect(isDate("1981-02-29")).toBe(false);
    expect(isDate("1980-2-29")).toBe(false);
    expect(isDate("1980-13-01")).toBe(false);
    expect(isDate("yesterday")).toBe(false);
  });
  it("writes today as a local calendar date", () => {
    expect(today(new Date(2026, 0, 5, 23, 59))).toBe("2026-01-05");
  });
  it("refuses future, ancient and malformed dates of birth", () => {
    expect(birthDateProblem("2026-12-07", "2026-12-06")).toMatch(/future/);
    expect(birthDateProblem("2026-12-06", "2026-12-06")).toBe("");
    expect(birthDateProblem("1849-12-31", "2026-12-06")).toMatch(/1850/);
    expect(birthDateProblem("1970-02-30", "2026-12-06")).toMatch(/real date/);
    expect(birthDateProblem("", "2026-12-06")).toMatch(/Enter/);
  });
  it("shows a date of birth with the age, without time zone shifts", () => {
    expect(formatBirthDate("1980-02-29", "2026-02-28")).toBe("29 Feb 1980 (45 y)");
    expect(formatBirthDate("1980-02-29", "2026-03-01")).toBe("29 Feb 1980 (46 y)");
    expect(formatBirthDate("bad", "2026-03-01")).toBe("bad");
  });
});

describe("the patient form", () => {
  it("accepts a complete record", () => {
    expect(fieldProblems({ ...jane, sex: "Female", phone: "+1 (555) 010-0", email: "jane@example.org" }, "2026-12-06")).toEqual({});
  });
  it("names each problem as the server would refuse it", () => {
    const p = fieldProblems(
      { mrn: " ", given_name: "x".repeat(201), family_name: "D\u0007", birth_date: "2999-01-01", sex: "f", phone: "555 abc", email: "jane@" },
      "2026-12-06",
    );
    expect(Object.keys(p).sort()).toEqual(["birth_date", "email", "family_name", "given_name", "mrn", "phone", "sex"]);
    expect(p.mrn).toMatch(/Enter the mrn/);
    expect(p.birth_date).toMatch(/future/);
  });
  it("counts characters, not UTF-16 units", () => {
    expect(fieldProblems({ ...jane, given_name: "😀".repeat(200) }, "2026-12-06")).toEqual({});
  });
  it("sends trimmed fields without the empty optional ones", () => {
    expect(cleanFields({ ...emptyFields(), ...jane, mrn: " AB-1234 ", sex: " Male " })).toEqual({ ...jane, sex: "male" });
  });
  it("patches only what changed, and empties what was cleared", () => {
    const rec = { ...jane, phone: "+1 555 0100" };
    expect(changes(rec, { ...rec, phone: "", given_name: " Janet " })).toEqual({ phone: "", given_name: "Janet" });
    expect(changes(rec, { ...rec })).toEqual({});
  });
  it("names a record family name first", () => {
    expect(patientName(jane)).toBe("Doe, Jane");
    expect(patientName({ ...jane, erased: true })).toBe("Erased record");
  });
});

describe("the search", () => {
  it("looks up by MRN", () => {
    expect(searchQuery({ by: "mrn", mrn: " ab 12/3 ", birth_date: "", family_name: "" })).toEqual({ query: "mrn=ab%2012%2F3" });
    expect(searchQuery({ by: "mrn", mrn: "  ", birth_date: "", family_name: "" })).toEqual({ problem: "Enter an MRN." });
  });
  it("looks up by date of birth and family name, both needed", () => {
    expect(searchQuery({ by: "dob", mrn: "", birth_date: "1980-02-29", family_name: " O'Brien " }, "2026-12-06")).toEqual({
      query: "birth_date=1980-02-29&family_name=O'Brien",
    });
    expect(searchQuery({ by: "dob", mrn: "", birth_date: "1980-02-29", family_name: "" }, "2026-12-06")).toEqual({
      problem: "Enter the family name.",
    });
    expect("problem" in searchQuery({ by: "dob", mrn: "", birth_date: "29/02/1980", family_name: "Doe" }, "2026-12-06")).toBe(true);
  });
});

describe("the patient routes", () => {
  it("parses /patients, /patients/new and a patient's page", () => {
    expect(parseRoute("/patients")).toEqual({ name: "patients" });
    expect(parseRoute("/patients/new/")).toEqual({ name: "patient-new" });
    expect(parseRoute("/patients/01a24c70-74b4-738b-9db6-660a65817912")).toEqual({
      name: "patient",
      id: "01a24c70-74b4-738b-9db6-660a65817912",
    });
    expect(parseRoute("/patients/../users")).toEqual({ name: "notfound" });
  });
});

describe("the thread's patient banner", () => {
  it("is for a record, not for a patient user who takes part", () => {
    expect(patientRecordOf({ patient_id: "rec-1", members: [{ user_id: "u1" }, { user_id: "u2" }] })).toBe("rec-1");
    expect(patientRecordOf({ patient_id: "pat-user", members: [{ user_id: "u1" }, { user_id: "pat-user" }] })).toBe("");
    expect(patientRecordOf({ patient_id: "", members: [] })).toBe("");
  });
});

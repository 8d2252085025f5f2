import { describe, expect, it } from "vitest";
import { mergeProblem, mergeRefusal, mergeSummary, sideBySide } from "./merge";
import type { Patient } from "./patients";

const rec = (over: Partial<Patient>): Patient => ({
  id: "a",
  mrn: "M-1",
  given_name: "Ann",
  family_name: "Lee",
  birth_date: "1980-02-03",
  status: "active",
  created_at: "",
  updated_at: "",
  ...over,
});

describe("mergeProblem", () => {
  const surv = rec({ id: "s" });
  it("accepts two active records", () => {
    expect(mergeProblem(surv, rec({ id: "d" }))).toBe("");
    expect(mergeProblem(surv, rec({ id: "d", has_account: true }))).toBe("");
    expect(mergeProblem(rec({ id: "s", has_account: true }), rec({ id: "d" }))).toBe("");
  });
  it("refuses what the server refuses", () => {
    expect(mergeProblem(surv, rec({ id: "s" }))).toMatch(/record you are on/);
    expect(mergeProblem(surv, rec({ id: "d", erased: true }))).toMatch(/erased/);
    expect(mergeProblem(surv, rec({ id: "d", status: "deactivated" }))).toMatch(/active/);
    expect(mergeProblem(surv, rec({ id: "d", merged_into: "x" }))).toMatch(/merged already/);
    expect(mergeProblem(rec({ id: "s", merged_into: "x" }), rec({ id: "d" }))).toMatch(/itself merged/);
    expect(mergeProblem(rec({ id: "s", has_account: true }), rec({ id: "d", has_account: true }))).toMatch(/one account/);
  });
});

describe("sideBySide", () => {
  it("lines the fields up and marks the differences", () => {
    const rows = sideBySide(rec({ id: "s", team_ids: ["t"] }), rec({ id: "d", given_name: "Anne", has_account: true }));
    const by = (l: string) => rows.find((r) => r.label === l)!;
    expect(by("Given name")).toEqual({ label: "Given name", survivor: "Ann", duplicate: "Anne", differs: true });
    expect(by("MRN").differs).toBe(false);
    expect(by("Date of birth").survivor).toMatch(/1980/);
    expect(by("Phone")).toMatchObject({ survivor: "—", duplicate: "—", differs: false });
    expect(by("Care teams")).toMatchObject({ survivor: "1", duplicate: "0", differs: true });
    expect(by("Patient account")).toMatchObject({ survivor: "no", duplicate: "yes", differs: true });
  });
  it("shows no fields of an erased record", () => {
    const rows = sideBySide(rec({ id: "s" }), rec({ id: "d", erased: true, mrn: "" }));
    expect(rows.find((r) => r.label === "MRN")!.duplicate).toBe("—");
  });
});

describe("words", () => {
  it("says what the merge moves", () => {
    expect(mergeSummary(rec({ team_ids: ["a", "b"], has_account: true }))).toMatch(/2 care teams move here; its patient account moves here/);
    expect(mergeSummary(rec({}))).not.toMatch(/account/);
  });
  it("words the server's refusals", () => {
    expect(mergeRefusal("merge_two_accounts", "x")).toMatch(/one account/);
    expect(mergeRefusal("conflict", "the record is merged already")).toBe("the record is merged already");
    expect(mergeRefusal("invalid_input", "bad")).toBe("bad");
  });
});

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Ward } from "../client";

export const WardContext = createContext<Ward | null>(null);

export function useWard(): Ward {
  const w = useContext(WardContext);
  if (!w) throw new Error("no Ward in context");
  return w;
}

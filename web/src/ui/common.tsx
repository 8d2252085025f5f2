import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { ApiError } from "../api";
import { useWard } from "./context";

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

// Link is an <a> that navigates without a page load.
export function Link(props: { href: string; class?: string; children: ComponentChildren; "aria-current"?: "page" | undefined; id?: string }) {
  const w = useWard();
  return (
    <a
      id={props.id}
      href={props.href}
      class={props.class}
      aria-current={props["aria-current"]}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        w.navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

// ErrorLine shows an error for a form, announced to screen readers.
export function ErrorLine(props: { error: string; id?: string }) {
  if (!props.error) return null;
  return (
    <p class="error" role="alert" id={props.id}>
      {props.error}
    </p>
  );
}

// useFocusOnMount focuses an element when it appears (headings of new
// screens, first fields of forms), for keyboard and screen-reader users.
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}

export function formatTime(iso: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

export function formatDateTime(iso: string): string {
  if (!iso || iso.startsWith("0001-")) return "—";
  const d = new Date(iso);
  return isNaN(d.getTime()) ? "—" : d.toLocaleString();
}

// focusOnMount is a stable ref callback: Preact calls it once when the
// element appears, which focuses it (dialogs, confirmations, second steps).
export function focusOnMount(el: HTMLElement | null): void {
  el?.focus();
}

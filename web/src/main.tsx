import { render } from "preact";
import { Ward } from "./client";
import { WardContext } from "./ui/context";
import { App } from "./ui/App";
import "./styles.css";

const ward = new Ward();
render(
  <WardContext.Provider value={ward}>
    <App />
  </WardContext.Provider>,
  document.getElementById("app")!,
);
void ward.boot();

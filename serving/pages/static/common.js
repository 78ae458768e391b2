// Pages with nothing of their own to do (the "not for your role" page): only the header's logout.
import { wireHeader, wired } from "./ui.js";

wireHeader();
wired();

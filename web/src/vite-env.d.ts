// The types of what Vite lets the page import besides modules (the stylesheet, in main.tsx).
/// <reference types="vite/client" />

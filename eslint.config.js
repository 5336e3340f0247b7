// ESLint (flat config) for the browser code: ES modules served as they are, no build step.
// `make lint-js` runs it; CI's `make check` too.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["wallet_api/static/vendor/**"] }, // third-party code, copied as published
  js.configs.recommended,
  {
    files: ["wallet_api/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      "no-implicit-globals": "error",
      "no-shadow": "error",
      "no-throw-literal": "error",
      "no-console": ["error", { allow: ["error", "warn"] }],
    },
  },
];

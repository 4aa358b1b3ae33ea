import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "node_modules", "src/api/schema.d.ts"] },
  {
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    files: ["**/*.{ts,tsx}"],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // rc-textarea's autoSize (and Typography's editable, which uses it) measures through setAttribute("style"),
      // which the pages' style-src (a nonce, no 'unsafe-inline') refuses: a CSP violation on every keystroke.
      "no-restricted-syntax": ["error",
        { selector: "JSXAttribute[name.name='autoSize']", message: "TextArea autoSize breaks the CSP: give rows." },
        { selector: "JSXAttribute[name.name='editable']", message: "Typography editable uses autoSize: use a Form." }],
    },
  },
);

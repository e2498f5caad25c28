// A request's context lives in its typed scope (src/http/request-scope.ts),
// not in Express's per-response bag of locals. Under the type check of the
// sources with the tests (npm run typecheck), every property of that bag is
// `never`: storing anything there, or reading it back as a type, does not
// compile. Only here, not in the published types, so that users of the
// package keep theirs. layers.test.ts also fails on any mention of it in src/.
declare global {
  namespace Express {
    interface Locals {
      [name: string]: never;
    }
  }
}

export {};

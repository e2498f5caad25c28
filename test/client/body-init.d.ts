// The generated clients name a request body `BodyInit`, a global of the DOM
// library; this repository compiles with Node's types only, where the same
// type is what fetch's RequestInit takes as its body.
type BodyInit = NonNullable<RequestInit['body']>;

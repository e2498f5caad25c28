// Amounts are JSON numbers in Togai's API. Binary floating point turns
// 0.1 + 0.2 into 0.30000000000000004; rounding every sum to 15 significant (the most a double holds exactly)
// digits after the fact keeps balances exact for any realistic currency amount.

const tidy = (n: number): number => (Number.isInteger(n) ? n : Number(n.toPrecision(15)));

export const add = (a: number, b: number): number => tidy(a + b);
export const sub = (a: number, b: number): number => tidy(a - b);
export const min = (a: number, b: number): number => (a < b ? a : b);

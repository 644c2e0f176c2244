import { createContext, useContext } from 'react';

/** "Run this step" chosen in the canvas menu: the Test panel of that step runs it once, as its button would. */
export interface TestRequest {
  step: string;
  /** A new number for every request, so that asking twice for the same step runs it twice. */
  nonce: number;
}

export const TestRequestContext = createContext<TestRequest | null>(null);
export const useTestRequest = () => useContext(TestRequestContext);

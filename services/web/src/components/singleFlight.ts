import type { UseMutationResult } from "@tanstack/react-query";
import { useRef } from "react";

/**
 * A mutation's ``mutate`` that takes one call at a time: a call made while the previous one runs (a double click,
 * Enter pressed twice before the page re-renders, which ``isPending`` alone does not stop because the form's
 * validation is asynchronous) is ignored, so a create (văn bản đến, dự thảo, giao việc, hồ sơ) is sent once.
 */
export function useSingleFlight<TData, TError, TVars, TContext>(
  mutation: UseMutationResult<TData, TError, TVars, TContext>,
): (vars: TVars) => void {
  const running = useRef(false);
  return (vars: TVars) => {
    if (running.current) return;
    running.current = true;
    mutation.mutate(vars, { onSettled: () => { running.current = false; } });
  };
}

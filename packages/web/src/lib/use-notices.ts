import { useState } from 'react';

/**
 * A list's last word to the user: a success (`notice`, for a status message) or a failure (`problem`, for an
 * alert); saying one takes the other back.
 */
export function useNotices() {
  const [notice, setNotice] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const say = (message: string) => {
    setProblem(null);
    setNotice(message);
  };
  const complain = (message: string) => {
    setNotice(null);
    setProblem(message);
  };
  return { notice, problem, say, complain };
}

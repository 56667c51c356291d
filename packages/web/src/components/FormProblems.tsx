import { errorMessage } from '../lib/api-error.ts';
import { ErrorAlert } from './Alert.tsx';

type FormProblemsProps = {
  /** The call failed with no message for a field (`useContractForm`'s `failed`). */
  failed: boolean;
  error: unknown;
  /** What the failure alert says before the server's words ("Could not save your profile: "). */
  failure?: string;
  /** Messages no field of the form shows. */
  unplaced: readonly string[];
};

/** A form's alerts for what no field shows: the call's failure, then messages meant for no field. */
export function FormProblems({ failed, error, failure, unplaced }: FormProblemsProps) {
  return (
    <>
      {failed && (
        <ErrorAlert>
          {failure}
          {errorMessage(error)}
        </ErrorAlert>
      )}
      {unplaced.length > 0 && <ErrorAlert>{unplaced.join(' ')}</ErrorAlert>}
    </>
  );
}

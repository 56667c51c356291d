import { useId, type ReactNode } from 'react';
import { Modal } from './Modal.tsx';

type ConfirmDeleteProps = {
  /** "Delete this file?" */
  title: string;
  /** Whether the deletion is under way: "Delete" waits. */
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  /** What will be lost, the dialog's description. */
  children: ReactNode;
};

/** Asks before deleting something for good; the focus starts on "Cancel". */
export function ConfirmDeleteDialog({ title, pending, onConfirm, onCancel, children }: ConfirmDeleteProps) {
  const textId = useId();
  return (
    <Modal title={title} onClose={onCancel} describedBy={textId}>
      <p id={textId}>{children}</p>
      <div className="button-row">
        <button type="button" className="button-danger" onClick={onConfirm} disabled={pending}>
          Delete
        </button>
        <button type="button" onClick={onCancel} data-autofocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}

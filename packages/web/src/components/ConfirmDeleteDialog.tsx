import { useId, type ReactNode } from 'react';
import { Modal } from './Modal.tsx';

/** What a deletion dialog is told by its page (`useConfirmedDelete`'s `dialog`). */
export type DeleteConfirmation = {
  /** Whether the deletion is under way: "Delete" waits. */
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
};

type ConfirmDeleteProps = DeleteConfirmation & {
  /** "Delete this file?" */
  title: string;
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

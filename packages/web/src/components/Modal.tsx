import { useEffect, useId, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

type ModalProps = {
  title: string;
  /** Called on Escape and by the dialog's own buttons. */
  onClose: () => void;
  describedBy?: string;
  children: ReactNode;
};

/**
 * A modal `<dialog>`: the browser traps focus and makes the page inert. The page is also hidden from the
 * accessibility tree while it is open, so assistive technology (and role queries) see only the dialog.
 * Focus goes to the element marked `data-autofocus` (else the first control) and returns where it was.
 */
export function Modal({ title, onClose, describedBy, children }: ModalProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const page = document.getElementById('root');
    page?.setAttribute('aria-hidden', 'true');
    if (!dialog.open) dialog.showModal();
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      page?.removeAttribute('aria-hidden');
      if (dialog.open) dialog.close();
      returnTo?.focus();
    };
  }, []);

  return createPortal(
    <dialog
      ref={ref}
      className="modal"
      aria-modal="true"
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>,
    document.body,
  );
}

import type Cropper from 'cropperjs';
import type { CropperCanvas, CropperImage, CropperSelection } from 'cropperjs';
import { useEffect, useRef, useState } from 'preact/hooks';
import { accountApi } from '../../api/account';
import { ApiError } from '../../api/client';
import { messageFor } from '../../api/errorMessages';
import type { User } from '../../api/types';
import { defineMessages } from '../../i18n/messages';
import { Avatar } from './Avatar';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    tooLarge: 'Image trop lourde pour être recadrée ici (20 Mo maximum).',
    toCrop: 'Photo à recadrer',
    saved: 'Photo enregistrée.',
    removed: 'Photo retirée.',
    change: 'Changer la photo',
    add: 'Ajouter une photo',
    remove: 'Retirer',
    help: 'Déplacez et redimensionnez le carré : il deviendra votre photo de profil.',
    cancel: 'Annuler',
    sending: 'Envoi…',
    save: 'Enregistrer',
  },
  en: {
    tooLarge: 'Image too large to crop here (20 MB at most).',
    toCrop: 'Photo to crop',
    saved: 'Photo saved.',
    removed: 'Photo removed.',
    change: 'Change the photo',
    add: 'Add a photo',
    remove: 'Remove',
    help: 'Move and resize the square: it becomes your profile photo.',
    cancel: 'Cancel',
    sending: 'Sending…',
    save: 'Save',
  },
});

interface PhotoEditorProps {
  user: User;
  onUserChange(user: User): void;
  onSessionLost(): void;
}

/** Types the server accepts (it checks the bytes, not this list, nor the file name). */
const ACCEPTED = 'image/png,image/jpeg,image/webp';
/** Larger originals are refused before decoding: a phone photo is a few MB. */
const MAX_SOURCE_BYTES = 20 * 1024 * 1024;
/** The exported square: enough for a sharp avatar on a 3× screen, far below the 2 MB limit. */
const OUTPUT_SIZE = 512;
const NEON = '#39ff14';

/**
 * cropperjs v2 builds its UI from this template: the image fitted inside and fixed (so the
 * selection can be kept on it), one square selection that can be moved and resized (but not
 * drawn anew), neon handles at the corners.
 */
const TEMPLATE = `
<cropper-canvas background theme-color="${NEON}">
  <cropper-image initial-center-size="contain"></cropper-image>
  <cropper-shade hidden></cropper-shade>
  <cropper-selection initial-coverage="0.8" aspect-ratio="1" movable resizable outlined theme-color="${NEON}">
    <cropper-grid role="grid" covered bordered theme-color="rgba(57, 255, 20, 0.5)"></cropper-grid>
    <cropper-crosshair centered theme-color="rgba(57, 255, 20, 0.6)"></cropper-crosshair>
    <cropper-handle action="move" theme-color="rgba(57, 255, 20, 0.08)"></cropper-handle>
    <cropper-handle action="ne-resize" theme-color="${NEON}"></cropper-handle>
    <cropper-handle action="nw-resize" theme-color="${NEON}"></cropper-handle>
    <cropper-handle action="se-resize" theme-color="${NEON}"></cropper-handle>
    <cropper-handle action="sw-resize" theme-color="${NEON}"></cropper-handle>
  </cropper-selection>
</cropper-canvas>`;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function inside(inner: Box, outer: Box): boolean {
  const slack = 0.5;
  return (
    inner.x >= outer.x - slack &&
    inner.y >= outer.y - slack &&
    inner.x + inner.width <= outer.x + outer.width + slack &&
    inner.y + inner.height <= outer.y + outer.height + slack
  );
}

/** Where the picture is drawn, in the canvas's coordinates (those of the selection). */
function imageBounds(canvas: CropperCanvas, image: CropperImage): Box {
  const canvasRect = canvas.getBoundingClientRect();
  const imageRect = image.getBoundingClientRect();
  return {
    x: imageRect.left - canvasRect.left,
    y: imageRect.top - canvasRect.top,
    width: imageRect.width,
    height: imageRect.height,
  };
}

/** Starts with the largest centred square that shows only the picture (90 % of its short side). */
function fitSelectionToImage(canvas: CropperCanvas, image: CropperImage, selection: CropperSelection): void {
  const bounds = imageBounds(canvas, image);
  const side = Math.floor(Math.min(bounds.width, bounds.height) * 0.9);
  selection.$change(bounds.x + (bounds.width - side) / 2, bounds.y + (bounds.height - side) / 2, side, side);
}

/** Keeps the selection on the picture, so the exported square never has empty corners. */
function keepSelectionOnImage(canvas: CropperCanvas, image: CropperImage, selection: CropperSelection): () => void {
  const onChange = (event: Event) => {
    if (!inside((event as CustomEvent<Box>).detail, imageBounds(canvas, image))) event.preventDefault();
  };
  selection.addEventListener('change', onChange);
  return () => selection.removeEventListener('change', onChange);
}

function canvasToBlob(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/** WebP where the browser can encode it (Safari cannot and answers PNG), PNG otherwise. */
async function exportSquare(canvas: HTMLCanvasElement): Promise<Blob> {
  const webp = await canvasToBlob(canvas, 'image/webp', 0.9);
  if (webp && webp.type === 'image/webp') return webp;
  const png = await canvasToBlob(canvas, 'image/png');
  if (!png) throw new Error('the browser could not encode the cropped image');
  return png;
}

/**
 * Profile photo: pick a file, crop a square in the browser (cropperjs), upload the square as raw
 * bytes. The server checks the content and re-encodes it (issue 4).
 */
export function PhotoEditor({ user, onUserChange, onSessionLost }: PhotoEditorProps) {
  const [source, setSource] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const stageRef = useRef<HTMLDivElement>(null);
  const cropperRef = useRef<Cropper | null>(null);
  const action = useAccountAction(onSessionLost);
  const { fail } = action;
  const t = text();

  function pick(event: Event) {
    const input = event.currentTarget as HTMLInputElement;
    const file = input.files?.[0];
    // The same file can be chosen again after a cancel.
    input.value = '';
    if (!file) return;
    action.reset();
    if (!file.type.startsWith('image/')) {
      fail(messageFor('photo_unsupported'));
      return;
    }
    if (file.size > MAX_SOURCE_BYTES) {
      fail(text().tooLarge);
      return;
    }
    setReady(false);
    setSource(URL.createObjectURL(file));
  }

  useEffect(() => {
    const stage = stageRef.current;
    if (!source || !stage) return;
    let cancelled = false;
    let cropper: Cropper | null = null;
    let release = () => {};

    (async () => {
      // Loaded on first use only: the cropper is not needed to open the app.
      const { default: CropperClass } = await import('cropperjs');
      if (cancelled) return;
      const picture = new Image();
      picture.src = source;
      picture.alt = text().toCrop;
      cropper = new CropperClass(picture, { container: stage, template: TEMPLATE });
      cropperRef.current = cropper;
      const canvas = cropper.getCropperCanvas();
      const image = cropper.getCropperImage();
      const selection = cropper.getCropperSelection();
      if (!canvas || !image || !selection) throw new Error('cropper template incomplete');
      await image.$ready();
      if (cancelled) return;
      fitSelectionToImage(canvas, image, selection);
      release = keepSelectionOnImage(canvas, image, selection);
      setReady(true);
    })().catch((error: unknown) => {
      console.warn('photo could not be opened for cropping', error);
      if (cancelled) return;
      fail(messageFor('photo_unreadable'));
      setSource(null);
    });

    return () => {
      cancelled = true;
      release();
      cropper?.destroy();
      cropperRef.current = null;
      URL.revokeObjectURL(source);
    };
  }, [source, fail]);

  function close() {
    setSource(null);
    setReady(false);
  }

  async function save() {
    const selection = cropperRef.current?.getCropperSelection();
    if (!selection) return;
    const saved = await action.run(async () => {
      let square: Blob;
      try {
        square = await exportSquare(await selection.$toCanvas({ width: OUTPUT_SIZE, height: OUTPUT_SIZE }));
      } catch (error) {
        console.warn('crop export failed', error);
        throw new ApiError('photo_export_failed', 'crop export failed', 0);
      }
      onUserChange(await accountApi.uploadPhoto(square));
      return text().saved;
    });
    if (saved) close();
  }

  async function remove() {
    await action.run(async () => {
      onUserChange(await accountApi.removePhoto());
      return text().removed;
    });
  }

  return (
    <div class="photo" data-testid="photo-section">
      <div class="photo__current">
        <Avatar user={user} size="large" testId="settings-avatar" />
        <div class="photo__who">
          <strong class="photo__pseudo">{user.name}</strong>
          <span class="photo__email">{user.email}</span>
          <div class="photo__actions">
            <label class={`btn btn--ghost btn--small photo__pick ${action.busy ? 'is-disabled' : ''}`}>
              {user.image ? t.change : t.add}
              <input
                class="visually-hidden"
                type="file"
                accept={ACCEPTED}
                data-testid="photo-input"
                onChange={pick}
                disabled={action.busy}
              />
            </label>
            {user.image && !source && (
              <button
                type="button"
                class="link-button photo__remove"
                data-testid="photo-remove"
                onClick={() => void remove()}
                disabled={action.busy}
              >
                {t.remove}
              </button>
            )}
          </div>
        </div>
      </div>

      {source && (
        <div class="photo__editor" data-testid="photo-cropper" data-ready={ready ? 'true' : 'false'}>
          <p class="photo__help">{t.help}</p>
          <div class="photo__stage" ref={stageRef} />
          <div class="photo__buttons">
            <button
              type="button"
              class="btn btn--ghost"
              data-testid="photo-cancel"
              onClick={close}
              disabled={action.busy}
            >
              {t.cancel}
            </button>
            <button
              type="button"
              class="btn btn--primary"
              data-testid="photo-save"
              onClick={() => void save()}
              disabled={!ready || action.busy}
            >
              {action.busy ? t.sending : t.save}
            </button>
          </div>
        </div>
      )}
      <FormStatus error={action.error} done={action.done} testId="photo" />
    </div>
  );
}

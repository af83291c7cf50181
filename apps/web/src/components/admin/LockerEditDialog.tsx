import { useState } from 'preact/hooks';
import { adminApi, type FleetLocker, type LockerEdit } from '../../api/admin';
import { asApiError } from '../../api/client';
import { defineMessages } from '../../i18n/messages';
import { TextField } from '../TextField';
import { adminMessageFor } from './adminErrors';
import { ConfirmDialog } from './ConfirmDialog';
import { centsFromEuros, eurosFromCents } from './priceInput';

const text = defineMessages({
  fr: {
    title: (name: string) => `Modifier ${name}`,
    name: 'Nom',
    location: 'Emplacement',
    pairingCode: 'Code d’association (imprimé sur le casier)',
    price: 'Prix par heure (€, casiers d’école)',
    save: 'Enregistrer',
    badPrice: 'Prix invalide : par exemple 5 ou 4,50.',
    nothing: 'Rien n’a changé.',
    codeNote: 'Changer le code demande un nouvel autocollant.',
  },
  en: {
    title: (name: string) => `Edit ${name}`,
    name: 'Name',
    location: 'Location',
    pairingCode: 'Pairing code (printed on the locker)',
    price: 'Price per hour (€, school lockers)',
    save: 'Save',
    badPrice: 'Invalid price: for example 5 or 4.50.',
    nothing: 'Nothing has changed.',
    codeNote: 'A new code needs a new sticker.',
  },
});

class FormProblem extends Error {}

interface LockerEditDialogProps {
  locker: FleetLocker;
  onClose(): void;
  onSaved(locker: FleetLocker | null): void;
  onSessionLost(): void;
}

/** Name, location, pairing code and school price of one locker (PATCH, with a reason). */
export function LockerEditDialog({ locker, onClose, onSaved, onSessionLost }: LockerEditDialogProps) {
  const [name, setName] = useState(locker.name);
  const [location, setLocation] = useState(locker.location ?? '');
  const [pairingCode, setPairingCode] = useState(locker.pairingCode);
  const [price, setPrice] = useState(eurosFromCents(locker.hourlyPriceCents));
  const t = text();

  function changes(): LockerEdit {
    const edit: LockerEdit = {};
    if (name.trim() !== locker.name) edit.name = name.trim();
    if (location.trim() !== (locker.location ?? '')) edit.location = location.trim();
    if (pairingCode.trim().toUpperCase() !== locker.pairingCode) edit.pairingCode = pairingCode.trim().toUpperCase();
    if (locker.type === 'school' && price.trim() !== eurosFromCents(locker.hourlyPriceCents)) {
      const cents = centsFromEuros(price);
      if (cents === null) throw new FormProblem(t.badPrice);
      edit.hourlyPriceCents = cents;
    }
    if (Object.keys(edit).length === 0) throw new FormProblem(t.nothing);
    return edit;
  }

  return (
    <ConfirmDialog
      title={t.title(locker.name)}
      confirmLabel={t.save}
      testId="locker-edit-dialog"
      onClose={onClose}
      describeError={(failure) => {
        if (failure instanceof FormProblem) return failure.message;
        const error = asApiError(failure);
        if (error.code === 'unauthenticated') {
          onSessionLost();
          return null;
        }
        return adminMessageFor(error);
      }}
      onConfirm={async (reason) => onSaved(await adminApi.editLocker(locker.id, changes(), reason))}
    >
      <TextField label={t.name} name="edit-locker-name" value={name} onInput={setName} testId="edit-locker-name" />
      <TextField
        label={t.location}
        name="edit-locker-location"
        value={location}
        onInput={setLocation}
        testId="edit-locker-location"
      />
      <TextField
        label={t.pairingCode}
        name="edit-locker-code"
        value={pairingCode}
        onInput={setPairingCode}
        autoCapitalize="characters"
        testId="edit-locker-code"
      />
      {pairingCode.trim().toUpperCase() !== locker.pairingCode && <p class="settings-form__hint">{t.codeNote}</p>}
      {locker.type === 'school' && (
        <TextField
          label={t.price}
          name="edit-locker-price"
          value={price}
          onInput={setPrice}
          testId="edit-locker-price"
        />
      )}
    </ConfirmDialog>
  );
}

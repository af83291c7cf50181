import { useEffect, useRef, useState } from 'preact/hooks';
import { adminApi, type IssuedCredentials, type Site, type SiteInput } from '../../api/admin';
import { asApiError } from '../../api/client';
import { lockerTypeLabel } from '../../i18n/lockerLabels';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { TextField } from '../TextField';
import { SelectField, StatusLine } from './AdminFormControls';
import { adminMessageFor, reportAdminFailure } from './adminErrors';
import { ConfirmDialog } from './ConfirmDialog';
import {
  type LockerForm,
  type LockerProblem,
  readLockerForm,
  type SiteProblem,
  siteProblems,
  suggestedPairingCode,
} from './provisioningForms';
import { SecretPanel } from './SecretPanel';

const text = defineMessages({
  fr: {
    sites: 'Sites',
    noSites: 'Aucun site pour l’instant : ajoutez-en un ci-dessous.',
    lockers: (count: number) => (count === 1 ? '1 casier' : `${count} casiers`),
    decommissioned: 'Retiré',
    edit: 'Modifier',
    editLabel: (name: string) => `Modifier le site ${name}`,
    retire: 'Retirer',
    retireLabel: (name: string) => `Retirer le site ${name}`,
    addSite: 'Ajouter un site',
    siteName: 'Nom du site',
    address: 'Adresse',
    timeZone: 'Fuseau horaire (IANA, ex. Europe/Brussels)',
    createSite: 'Créer le site',
    siteCreated: (name: string) => `Site « ${name} » créé.`,
    siteEdited: (name: string) => `Site « ${name} » modifié.`,
    siteRetired: (name: string) => `Site « ${name} » retiré.`,
    editSite: (name: string) => `Modifier le site ${name}`,
    save: 'Enregistrer',
    retireSite: (name: string) => `Retirer le site ${name}`,
    retireText: 'Un site qui a encore des casiers actifs ne peut pas être retiré.',
    problemsName: 'Donnez un nom au site (120 caractères au plus).',
    problemsTimeZone: 'Fuseau horaire inconnu : choisissez-en un de la liste, comme Europe/Brussels.',
    addLocker: 'Ajouter un casier',
    lockerId: 'Identifiant (ex. ECOLE_02)',
    site: 'Site',
    chooseSite: 'Choisissez un site',
    type: 'Type',
    lockerName: 'Nom affiché',
    location: 'Emplacement (facultatif)',
    pairingCode: 'Code d’association',
    pairingCodeHint: (code: string) => `Laissé vide : ${code}`,
    price: 'Prix par heure en € (casiers d’école)',
    createLocker: 'Créer le casier',
    creating: 'Création…',
    lockerCreated: (id: string) =>
      `Casier ${id} créé. Notez son secret ci-dessous : c’est la seule fois qu’il est affiché.`,
    lockerProblemsId: 'Identifiant invalide : lettres majuscules, chiffres, _ et -, 64 caractères au plus.',
    lockerProblemsSiteId: 'Choisissez le site du casier.',
    lockerProblemsName: 'Donnez un nom au casier (80 caractères au plus).',
    lockerProblemsPairingCode: 'Code d’association invalide : lettres, chiffres et tirets, comme SL-ECOLE-02.',
    lockerProblemsPrice: 'Prix invalide : par exemple 5 ou 4,50.',
    openFleet: 'Voir les casiers',
  },
  en: {
    sites: 'Sites',
    noSites: 'No site yet: add one below.',
    lockers: (count: number) => (count === 1 ? '1 locker' : `${count} lockers`),
    decommissioned: 'Decommissioned',
    edit: 'Edit',
    editLabel: (name: string) => `Edit site ${name}`,
    retire: 'Decommission',
    retireLabel: (name: string) => `Decommission site ${name}`,
    addSite: 'Add a site',
    siteName: 'Site name',
    address: 'Address',
    timeZone: 'Time zone (IANA, e.g. Europe/Brussels)',
    createSite: 'Create the site',
    siteCreated: (name: string) => `Site “${name}” created.`,
    siteEdited: (name: string) => `Site “${name}” updated.`,
    siteRetired: (name: string) => `Site “${name}” decommissioned.`,
    editSite: (name: string) => `Edit site ${name}`,
    save: 'Save',
    retireSite: (name: string) => `Decommission site ${name}`,
    retireText: 'A site that still has active lockers cannot be decommissioned.',
    problemsName: 'Give the site a name (120 characters at most).',
    problemsTimeZone: 'Unknown time zone: choose one from the list, such as Europe/Brussels.',
    addLocker: 'Add a locker',
    lockerId: 'Id (e.g. ECOLE_02)',
    site: 'Site',
    chooseSite: 'Choose a site',
    type: 'Type',
    lockerName: 'Display name',
    location: 'Location (optional)',
    pairingCode: 'Pairing code',
    pairingCodeHint: (code: string) => `Left empty: ${code}`,
    price: 'Price per hour in € (school lockers)',
    createLocker: 'Create the locker',
    creating: 'Creating…',
    lockerCreated: (id: string) =>
      `Locker ${id} created. Write down its secret below: this is the only time it is shown.`,
    lockerProblemsId: 'Invalid id: capital letters, digits, _ and -, 64 characters at most.',
    lockerProblemsSiteId: 'Choose the locker’s site.',
    lockerProblemsName: 'Give the locker a name (80 characters at most).',
    lockerProblemsPairingCode: 'Invalid pairing code: letters, digits and dashes, like SL-ECOLE-02.',
    lockerProblemsPrice: 'Invalid price: for example 5 or 4.50.',
    openFleet: 'See the lockers',
  },
});

const EMPTY_SITE: SiteInput = { name: '', address: '', timeZone: 'Europe/Brussels' };
const EMPTY_LOCKER: LockerForm = {
  id: '',
  siteId: '',
  type: 'school',
  name: '',
  location: '',
  pairingCode: '',
  price: '5',
};

/** The IANA zones this browser knows, for the time zone field's suggestions. */
function timeZones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['Europe/Brussels', 'Europe/Paris', 'Europe/London', 'UTC'];
  }
}

interface ProvisioningSectionProps {
  onSessionLost(): void;
  onOpenFleet(): void;
}

/** Sites (add, edit, decommission) and new lockers, whose secret is shown once. */
export function ProvisioningSection({ onSessionLost, onOpenFleet }: ProvisioningSectionProps) {
  const [sites, setSites] = useState<Site[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [siteForm, setSiteForm] = useState<SiteInput>(EMPTY_SITE);
  const [siteFormProblems, setSiteFormProblems] = useState<SiteProblem[]>([]);
  const [siteBusy, setSiteBusy] = useState(false);
  const [siteError, setSiteError] = useState<string | null>(null);
  const [editingSite, setEditingSite] = useState<Site | null>(null);
  const [retiringSite, setRetiringSite] = useState<Site | null>(null);
  const [lockerForm, setLockerForm] = useState<LockerForm>(EMPTY_LOCKER);
  const [lockerProblems, setLockerProblems] = useState<LockerProblem[]>([]);
  const [lockerBusy, setLockerBusy] = useState(false);
  const [lockerError, setLockerError] = useState<string | null>(null);
  const [issued, setIssued] = useState<{ lockerId: string; credentials: IssuedCredentials } | null>(null);
  const [reload, setReload] = useState(0);
  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  const t = text();

  useEffect(() => {
    adminApi.sites().then(
      (list) => {
        setSites(list);
        // The only site there is is the obvious choice for a new locker.
        const active = list.filter((s) => !s.decommissionedAt);
        if (active.length === 1 && active[0]) {
          const only = active[0].id;
          setLockerForm((form) => (form.siteId ? form : { ...form, siteId: only }));
        }
      },
      (failure: unknown) => reportAdminFailure(failure, sessionLost.current, setError),
    );
  }, [reload]);

  async function createSite(event: Event) {
    event.preventDefault();
    const input = { name: siteForm.name.trim(), address: siteForm.address.trim(), timeZone: siteForm.timeZone.trim() };
    const problems = siteProblems(input);
    setSiteFormProblems(problems);
    setSiteError(null);
    if (problems.length > 0) return;
    setSiteBusy(true);
    try {
      const created = await adminApi.createSite(input);
      setStatus(t.siteCreated(input.name));
      setSiteForm(EMPTY_SITE);
      if (created) setLockerForm((form) => ({ ...form, siteId: created.id }));
      setReload((n) => n + 1);
    } catch (failure) {
      reportAdminFailure(failure, onSessionLost, setSiteError);
    } finally {
      setSiteBusy(false);
    }
  }

  async function createLocker(event: Event) {
    event.preventDefault();
    const read = readLockerForm(lockerForm);
    setLockerError(null);
    if (!read.ok) {
      setLockerProblems(read.problems);
      return;
    }
    setLockerProblems([]);
    setLockerBusy(true);
    try {
      const credentials = await adminApi.createLocker(read.input);
      setIssued({ lockerId: read.input.id, credentials });
      setStatus(t.lockerCreated(read.input.id));
      setLockerForm({ ...EMPTY_LOCKER, siteId: lockerForm.siteId, type: lockerForm.type });
      setReload((n) => n + 1);
    } catch (failure) {
      reportAdminFailure(failure, onSessionLost, setLockerError);
    } finally {
      setLockerBusy(false);
    }
  }

  const activeSites = (sites ?? []).filter((s) => !s.decommissionedAt);
  const zones = timeZones();
  const lockerProblem = (key: LockerProblem) => (lockerProblems.includes(key) ? lockerProblemText(key) : null);

  return (
    <div class="admin-section" data-testid="admin-provisioning">
      <StatusLine message={status} testId="provisioning-status" />
      {issued && (
        <>
          <SecretPanel lockerId={issued.lockerId} issued={issued.credentials} onDismiss={() => setIssued(null)} />
          <button type="button" class="btn btn--ghost btn--block" onClick={onOpenFleet} data-testid="open-fleet">
            {t.openFleet}
          </button>
        </>
      )}
      <FormError message={error} testId="provisioning-error" />

      <section class="frame" aria-labelledby="sites-title">
        <h2 class="section-title" id="sites-title">
          {t.sites}
        </h2>
        {sites && sites.length === 0 && <p class="page__empty">{t.noSites}</p>}
        <ul class="admin-sites" data-testid="site-list">
          {(sites ?? []).map((site) => (
            <li key={site.id} class="admin-site" data-testid="site" data-site-id={site.id} data-name={site.name}>
              <div class="admin-site__text">
                <strong>{site.name}</strong>
                <span class="admin-card__meta">
                  {[site.address, site.timeZone, t.lockers(site.lockers)].filter(Boolean).join(' · ')}
                </span>
                {site.decommissionedAt && <span class="badge badge--plain">{t.decommissioned}</span>}
              </div>
              {!site.decommissionedAt && (
                <div class="admin-actions admin-actions--tight">
                  <button
                    type="button"
                    class="btn btn--ghost btn--small"
                    onClick={() => setEditingSite(site)}
                    aria-label={t.editLabel(site.name)}
                    data-testid="site-edit"
                  >
                    {t.edit}
                  </button>
                  <button
                    type="button"
                    class="btn btn--danger btn--small"
                    onClick={() => setRetiringSite(site)}
                    aria-label={t.retireLabel(site.name)}
                    data-testid="site-decommission"
                  >
                    {t.retire}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>

        <form class="admin-form" onSubmit={(event) => void createSite(event)} data-testid="site-form" noValidate>
          <h3 class="admin-subtitle">{t.addSite}</h3>
          <TextField
            label={t.siteName}
            name="site-name"
            value={siteForm.name}
            onInput={(name) => setSiteForm((f) => ({ ...f, name }))}
            testId="site-name"
          />
          {siteFormProblems.includes('name') && <FormError message={t.problemsName} testId="site-name-error" />}
          <TextField
            label={t.address}
            name="site-address"
            value={siteForm.address}
            onInput={(address) => setSiteForm((f) => ({ ...f, address }))}
            testId="site-address"
            autoComplete="street-address"
          />
          <TimeZoneField
            value={siteForm.timeZone}
            zones={zones}
            onInput={(timeZone) => setSiteForm((f) => ({ ...f, timeZone }))}
            label={t.timeZone}
            name="site-timezone"
          />
          {siteFormProblems.includes('timeZone') && (
            <FormError message={t.problemsTimeZone} testId="site-timezone-error" />
          )}
          <FormError message={siteError} testId="site-error" />
          <button type="submit" class="btn btn--primary btn--block" disabled={siteBusy} data-testid="site-submit">
            {t.createSite}
          </button>
        </form>
      </section>

      <section class="frame" aria-labelledby="new-locker-title">
        <h2 class="section-title" id="new-locker-title">
          {t.addLocker}
        </h2>
        <form class="admin-form" onSubmit={(event) => void createLocker(event)} data-testid="locker-form" noValidate>
          <div class="admin-form__grid">
            <div>
              <TextField
                label={t.lockerId}
                name="locker-id"
                value={lockerForm.id}
                onInput={(id) => setLockerForm((f) => ({ ...f, id: id.toUpperCase() }))}
                autoCapitalize="characters"
                testId="locker-id-input"
              />
              <FormError message={lockerProblem('id')} testId="locker-id-error" />
            </div>
            <div>
              <SelectField
                label={t.site}
                name="locker-site"
                value={lockerForm.siteId}
                options={[
                  { value: '', label: t.chooseSite },
                  ...activeSites.map((site) => ({ value: site.id, label: site.name })),
                ]}
                onChange={(siteId) => setLockerForm((f) => ({ ...f, siteId }))}
                testId="locker-site"
              />
              <FormError message={lockerProblem('siteId')} testId="locker-site-error" />
            </div>
            <SelectField
              label={t.type}
              name="locker-type"
              value={lockerForm.type}
              options={[
                { value: 'school', label: lockerTypeLabel('school') },
                { value: 'sport', label: lockerTypeLabel('sport') },
              ]}
              onChange={(type) => setLockerForm((f) => ({ ...f, type: type === 'sport' ? 'sport' : 'school' }))}
              testId="locker-type-input"
            />
            <div>
              <TextField
                label={t.lockerName}
                name="locker-name"
                value={lockerForm.name}
                onInput={(name) => setLockerForm((f) => ({ ...f, name }))}
                testId="locker-name-input"
              />
              <FormError message={lockerProblem('name')} testId="locker-name-error" />
            </div>
            <TextField
              label={t.location}
              name="locker-location"
              value={lockerForm.location}
              onInput={(location) => setLockerForm((f) => ({ ...f, location }))}
              testId="locker-location-input"
            />
            <div>
              <TextField
                label={t.pairingCode}
                name="locker-code"
                value={lockerForm.pairingCode}
                placeholder={suggestedPairingCode(lockerForm.id)}
                onInput={(pairingCode) => setLockerForm((f) => ({ ...f, pairingCode: pairingCode.toUpperCase() }))}
                autoCapitalize="characters"
                testId="locker-code-input"
              />
              {lockerForm.id && !lockerForm.pairingCode && (
                <p class="settings-form__hint">{t.pairingCodeHint(suggestedPairingCode(lockerForm.id))}</p>
              )}
              <FormError message={lockerProblem('pairingCode')} testId="locker-code-error" />
            </div>
            {lockerForm.type === 'school' && (
              <div>
                <TextField
                  label={t.price}
                  name="locker-price"
                  value={lockerForm.price}
                  onInput={(price) => setLockerForm((f) => ({ ...f, price }))}
                  testId="locker-price-input"
                />
                <FormError message={lockerProblem('price')} testId="locker-price-error" />
              </div>
            )}
          </div>
          <FormError message={lockerError} testId="locker-error" />
          <button type="submit" class="btn btn--primary btn--block" disabled={lockerBusy} data-testid="locker-submit">
            {lockerBusy ? t.creating : t.createLocker}
          </button>
        </form>
      </section>

      {editingSite && (
        <SiteEditDialog
          site={editingSite}
          zones={zones}
          onClose={() => setEditingSite(null)}
          onSessionLost={onSessionLost}
          onSaved={(name) => {
            setStatus(t.siteEdited(name));
            setEditingSite(null);
            setReload((n) => n + 1);
          }}
        />
      )}
      {retiringSite && (
        <ConfirmDialog
          title={t.retireSite(retiringSite.name)}
          confirmLabel={t.retire}
          danger
          testId="site-decommission-dialog"
          onClose={() => setRetiringSite(null)}
          describeError={(failure) => describe(failure, onSessionLost)}
          onConfirm={async (reason) => {
            await adminApi.decommissionSite(retiringSite.id, reason);
            setStatus(t.siteRetired(retiringSite.name));
            setRetiringSite(null);
            setReload((n) => n + 1);
          }}
        >
          <p>{t.retireText}</p>
        </ConfirmDialog>
      )}
    </div>
  );
}

function lockerProblemText(problem: LockerProblem): string {
  const t = text();
  switch (problem) {
    case 'id':
      return t.lockerProblemsId;
    case 'siteId':
      return t.lockerProblemsSiteId;
    case 'name':
      return t.lockerProblemsName;
    case 'pairingCode':
      return t.lockerProblemsPairingCode;
    case 'price':
      return t.lockerProblemsPrice;
  }
}

function describe(failure: unknown, onSessionLost: () => void): string | null {
  const error = asApiError(failure);
  if (error.code === 'unauthenticated') {
    onSessionLost();
    return null;
  }
  return adminMessageFor(error);
}

interface TimeZoneFieldProps {
  label: string;
  name: string;
  value: string;
  zones: readonly string[];
  onInput(value: string): void;
}

/** A text field with the browser's IANA zones as suggestions (typing filters them). */
function TimeZoneField({ label, name, value, zones, onInput }: TimeZoneFieldProps) {
  const id = `field-${name}`;
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {label}
      </label>
      <div class="field__box">
        <input
          id={id}
          class="field__input"
          name={name}
          list={`${id}-zones`}
          value={value}
          onInput={(event) => onInput(event.currentTarget.value)}
          spellcheck={false}
          autoCapitalize="off"
          data-testid={name}
        />
      </div>
      <datalist id={`${id}-zones`}>
        {zones.map((zone) => (
          <option key={zone} value={zone} />
        ))}
      </datalist>
    </div>
  );
}

interface SiteEditDialogProps {
  site: Site;
  zones: readonly string[];
  onClose(): void;
  onSaved(name: string): void;
  onSessionLost(): void;
}

class FormProblem extends Error {}

function SiteEditDialog({ site, zones, onClose, onSaved, onSessionLost }: SiteEditDialogProps) {
  const [form, setForm] = useState<SiteInput>({
    name: site.name,
    address: site.address ?? '',
    timeZone: site.timeZone,
  });
  const t = text();
  return (
    <ConfirmDialog
      title={t.editSite(site.name)}
      confirmLabel={t.save}
      testId="site-edit-dialog"
      onClose={onClose}
      describeError={(failure) => (failure instanceof FormProblem ? failure.message : describe(failure, onSessionLost))}
      onConfirm={async (reason) => {
        const input = { name: form.name.trim(), address: form.address.trim(), timeZone: form.timeZone.trim() };
        const problems = siteProblems(input);
        if (problems[0]) throw new FormProblem(problems[0] === 'name' ? t.problemsName : t.problemsTimeZone);
        await adminApi.editSite(site.id, input, reason);
        onSaved(input.name);
      }}
    >
      <TextField
        label={t.siteName}
        name="edit-site-name"
        value={form.name}
        onInput={(name) => setForm((f) => ({ ...f, name }))}
        testId="edit-site-name"
      />
      <TextField
        label={t.address}
        name="edit-site-address"
        value={form.address}
        onInput={(address) => setForm((f) => ({ ...f, address }))}
        testId="edit-site-address"
      />
      <TimeZoneField
        label={t.timeZone}
        name="edit-site-timezone"
        value={form.timeZone}
        zones={zones}
        onInput={(timeZone) => setForm((f) => ({ ...f, timeZone }))}
      />
    </ConfirmDialog>
  );
}

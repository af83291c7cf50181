import type { AgentConfigInput } from '@smartlocker/agent';
import { LOCKER_ID_PATTERN } from '@smartlocker/protocol';
import { Hono } from 'hono';
import { z } from 'zod';
import type { LockerProvisioning, ProvisionedLocker } from '../provisioning/LockerProvisioning';
import { provisioningBundleFile, provisioningBundleQr } from '../provisioning/provisioningBundle';
import {
  renderStickerPdf,
  renderStickerSheetPdf,
  renderStickerSvg,
  STICKER_SHEET_LAYOUTS,
  type StickerLocker,
  type StickerSheetLayout,
} from '../provisioning/stickers';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import type { FleetService } from '../services/FleetService';
import type { FleetLocker } from '../services/fleetView';
import {
  cleanText,
  LockerIdParam,
  lockerIdFrom,
  parseAdminInput,
  queryParam,
  Reason,
  readAdminBody,
  TimeZone,
} from './adminInput';
import { requireAdmin } from './requestBody';

/**
 * Provisioning for administrators (SPEC §12, issue 11), under /api/admin:
 *   POST /lockers                   creates a locker → 201 { locker, secret, bundle, bundleQrSvg }
 *   POST /lockers/:id/rotate-secret issues a new broker secret → the same shape
 *   GET  /lockers/:id/bundle.json   the agent's config file, without the secret (the server has only its hash)
 *   GET  /lockers/:id/bundle.svg    the same as a QR code
 *   GET  /lockers/:id/sticker.svg   the pairing sticker; sticker.pdf the same as PDF
 *   GET  /stickers.pdf?ids=A,B|siteId=…  an A4 sheet of several
 * The answers that carry a secret are never kept by a browser or a proxy (no-store).
 */
export interface ProvisioningRouteDeps {
  provisioning: LockerProvisioning;
  fleet: FleetService;
  /** The web app's public origin, which the stickers' QR codes point to. */
  publicUrl: string;
}

const AgentSettingsBody = z.object({
  mqttUrl: z
    .string()
    .max(1024)
    .regex(/^(mqtts?|wss?|tcp|ssl):\/\/\S+$/, 'an mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  stateDir: cleanText(1, 1024).optional(),
  hal: z.record(z.string(), z.unknown()).optional(),
});

const ProvisionBody = z.object({
  id: z.string().regex(LOCKER_ID_PATTERN, 'A-Z, 0-9, _ and -, at most 64, starting with a letter or digit'),
  name: cleanText(1, 80),
  type: z.enum(['school', 'sport']),
  location: cleanText(0, 200)
    .nullable()
    .transform((v) => (v === '' ? null : v))
    .optional(),
  // Empty: derived from the id (SL- + the id), as when absent.
  pairingCode: cleanText(0, 64)
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  siteId: z.uuid().optional(),
  siteName: cleanText(1, 120).optional(),
  siteTimeZone: TimeZone.optional(),
  hourlyPriceCents: z.number().int().min(0).max(1_000_000).optional(),
  agent: AgentSettingsBody.optional(),
  reason: Reason.optional(),
});

const RotateBody = z.object({ agent: AgentSettingsBody.optional(), reason: Reason.optional() });

const StickerQuery = z.object({ layout: queryParam(z.enum(STICKER_SHEET_LAYOUTS as [StickerSheetLayout])) });
const SheetQuery = z.object({
  ids: queryParam(
    z
      .string()
      .max(20_000)
      .transform((v) => v.split(',').filter((id) => id !== ''))
      .pipe(z.array(z.string().regex(LOCKER_ID_PATTERN)).min(1).max(500)),
  ),
  siteId: queryParam(z.uuid()),
  layout: queryParam(z.enum(STICKER_SHEET_LAYOUTS as [StickerSheetLayout])),
});

/** The bundle's QR code as an SVG document; absent when the bundle is too large for one. */
function bundleQrSvg(agentConfig: AgentConfigInput): { bundleQrSvg?: string } {
  try {
    return { bundleQrSvg: provisioningBundleQr(agentConfig).svg };
  } catch (error) {
    if (error instanceof AppError) return {};
    throw error;
  }
}

const sticker = (locker: FleetLocker): StickerLocker => ({
  pairingCode: locker.pairingCode,
  name: locker.name,
  siteName: locker.site.name,
});

export function createProvisioningRoutes(deps: ProvisioningRouteDeps) {
  const routes = new Hono<{ Variables: { user: UserRow } }>();
  routes.use('*', requireAdmin);

  const issued = async (provisioned: ProvisionedLocker) => ({
    locker: await deps.fleet.locker(provisioned.locker.id),
    secret: String(provisioned.agentConfig.mqtt.password ?? ''),
    // The agent's configuration file (what `smartlocker-agent --config FILE` reads), secret included.
    bundle: provisioned.agentConfig,
    ...bundleQrSvg(provisioned.agentConfig),
    // Kept for `npm run sim` and scripts written before the panel.
    pairingCode: provisioned.pairingCode,
    agentConfig: provisioned.agentConfig,
  });

  routes.post('/lockers', async (c) => {
    // The answer carries a broker password: never kept by a browser or a proxy.
    c.header('cache-control', 'no-store');
    const { reason, pairingCode, ...body } = await readAdminBody(c.req.raw, ProvisionBody);
    const provisioned = await deps.provisioning.provision(
      { ...body, ...(pairingCode === undefined ? {} : { pairingCode }) },
      { kind: 'admin', id: c.get('user').id },
      reason ?? null,
    );
    return c.json(await issued(provisioned), 201);
  });

  routes.post('/lockers/:id/rotate-secret', async (c) => {
    c.header('cache-control', 'no-store');
    const raw = LockerIdParam.safeParse(c.req.param('id'));
    if (!raw.success) throw new AppError(404, 'locker_not_found', 'No locker has this id.');
    const body = await readAdminBody(c.req.raw, RotateBody, { optional: true });
    const rotated = await deps.provisioning.rotateSecret(
      raw.data,
      { kind: 'admin', id: c.get('user').id },
      body.agent,
      body.reason ?? null,
    );
    return c.json(await issued(rotated), 200);
  });

  routes.get('/lockers/:id/bundle.json', async (c) => {
    const config = await deps.provisioning.configWithoutSecret(lockerIdFrom(c.req.param('id')));
    const file = provisioningBundleFile(config);
    return c.body(file.body, 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${file.fileName}"`,
      'cache-control': 'no-store',
    });
  });

  routes.get('/lockers/:id/bundle.svg', async (c) => {
    const config = await deps.provisioning.configWithoutSecret(lockerIdFrom(c.req.param('id')));
    return c.body(provisioningBundleQr(config).svg, 200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      'cache-control': 'no-store',
    });
  });

  routes.get('/lockers/:id/sticker.svg', async (c) => {
    const locker = await deps.fleet.locker(lockerIdFrom(c.req.param('id')));
    const { layout } = parseAdminInput(StickerQuery, c.req.query());
    const svg = renderStickerSvg(sticker(locker), { publicUrl: deps.publicUrl, ...(layout ? { layout } : {}) });
    return c.body(svg, 200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      'content-disposition': `inline; filename="sticker-${locker.id}.svg"`,
    });
  });

  routes.get('/lockers/:id/sticker.pdf', async (c) => {
    const locker = await deps.fleet.locker(lockerIdFrom(c.req.param('id')));
    const { layout } = parseAdminInput(StickerQuery, c.req.query());
    const pdf = await renderStickerPdf(sticker(locker), { publicUrl: deps.publicUrl, ...(layout ? { layout } : {}) });
    return c.body(new Uint8Array(pdf), 200, {
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="sticker-${locker.id}.pdf"`,
    });
  });

  routes.get('/stickers.pdf', async (c) => {
    const query = parseAdminInput(SheetQuery, c.req.query());
    let lockers: FleetLocker[];
    if (query.ids) {
      lockers = [];
      for (const id of new Set(query.ids)) lockers.push(await deps.fleet.locker(id));
    } else if (query.siteId) {
      lockers = (await deps.fleet.listLockers({ siteId: query.siteId }, { page: 1, pageSize: 10_000 })).lockers;
    } else {
      throw new AppError(400, 'invalid_request', 'Name the lockers (ids=A,B,C) or a site (siteId=…).', {
        fields: [{ path: 'ids', message: 'ids or siteId is required' }],
      });
    }
    if (lockers.length === 0) throw new AppError(404, 'no_lockers', 'This site has no lockers to print.');
    const pdf = await renderStickerSheetPdf(lockers.map(sticker), {
      publicUrl: deps.publicUrl,
      ...(query.layout ? { layout: query.layout } : {}),
    });
    return c.body(new Uint8Array(pdf), 200, {
      'content-type': 'application/pdf',
      'content-disposition': 'attachment; filename="stickers.pdf"',
    });
  });

  return routes;
}

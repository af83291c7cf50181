export { MIGRATIONS_FOLDER } from '../paths';

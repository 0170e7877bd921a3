// How numbers, times and states read on the page.

/** `1234` s → "20 min 34 s"; null → "—". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = total % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

/** A number with up to `digits` significant digits, small learning rates in exponent form. */
export function number(value, digits = 4) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return Number(value.toPrecision(digits)).toString();
}

/** An ISO time as the reader's local date and time. */
export function time(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** Bytes as KiB/MiB/GiB. */
export function bytes(count) {
  if (!Number.isFinite(count)) return "—";
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** The fraction of the job done, in [0, 1], or null before it has progress. */
export function progressFraction(progress) {
  if (!progress || !progress.total_steps) return null;
  return Math.min(1, Math.max(0, progress.step / progress.total_steps));
}

export const finalStates = new Set(["succeeded", "failed", "canceled"]);

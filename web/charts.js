// postwork dashboard charts: small canvas line and bar charts, no library.
// Text is drawn with fillText (never parsed as markup).
'use strict';

const Charts = (() => {
  function setup(canvas) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 600;
    const height = canvas.clientHeight || 220;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    return { ctx, width, height };
  }

  // A "nice" upper bound and step for the y axis.
  function niceScale(max, ticks) {
    if (max <= 0) return { top: 1, step: 1 };
    const raw = max / ticks;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
    return { top: Math.ceil(max / step) * step, step };
  }

  function formatNumber(v) {
    if (v >= 1e6) return (v / 1e6).toFixed(1).replace(/\.0$/, '') + 'M';
    if (v >= 1e3) return (v / 1e3).toFixed(1).replace(/\.0$/, '') + 'k';
    return String(Math.round(v * 100) / 100);
  }

  function timeLabel(epochSeconds, withSeconds) {
    const d = new Date(epochSeconds * 1000);
    const pad = (n) => String(n).padStart(2, '0');
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + (withSeconds ? ':' + pad(d.getSeconds()) : '');
  }

  // series: [{name, color, values}], start: epoch s of values[0], step: seconds per value.
  function line(canvas, { series, start, step, emptyText }) {
    const { ctx, width, height } = setup(canvas);
    const pad = { left: 44, right: 10, top: 10, bottom: 22 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const n = series.length ? series[0].values.length : 0;
    let max = 0;
    for (const s of series) for (const v of s.values) max = Math.max(max, v);
    const { top, step: yStep } = niceScale(max, 4);

    ctx.strokeStyle = '#e4e8ef';
    ctx.fillStyle = '#677386';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let v = 0; v <= top + 1e-9; v += yStep) {
      const y = pad.top + plotH - (v / top) * plotH;
      ctx.beginPath();
      ctx.moveTo(pad.left, Math.round(y) + 0.5);
      ctx.lineTo(width - pad.right, Math.round(y) + 0.5);
      ctx.stroke();
      ctx.fillText(formatNumber(v), pad.left - 6, y);
    }
    if (n > 1) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      const labels = 5;
      for (let i = 0; i <= labels; i++) {
        const idx = Math.round((i / labels) * (n - 1));
        const x = pad.left + (idx / (n - 1)) * plotW;
        ctx.textAlign = i === 0 ? 'left' : (i === labels ? 'right' : 'center');
        ctx.fillText(timeLabel(start + idx * step, step < 60), x, height - pad.bottom + 6);
      }
      for (const s of series) {
        ctx.strokeStyle = s.color;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        s.values.forEach((v, i) => {
          const x = pad.left + (i / (n - 1)) * plotW;
          const y = pad.top + plotH - (v / top) * plotH;
          if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
        });
        ctx.stroke();
      }
    }
    if (max === 0 && emptyText) {
      ctx.fillStyle = '#98a2b3';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(emptyText, pad.left + plotW / 2, pad.top + plotH / 2);
    }
  }

  // Horizontal stacked bars: labels[i] with one value per series.
  function bars(canvas, { labels, series, emptyText }) {
    const { ctx, width, height } = setup(canvas);
    const pad = { left: 200, right: 50, top: 6, bottom: 6 };
    const rows = labels.length;
    const totals = labels.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
    const max = Math.max(0, ...totals);
    const rowH = rows ? (height - pad.top - pad.bottom) / rows : 0;
    const plotW = width - pad.left - pad.right;
    ctx.textBaseline = 'middle';
    labels.forEach((label, i) => {
      const y = pad.top + i * rowH;
      ctx.fillStyle = '#445066';
      ctx.textAlign = 'right';
      ctx.fillText(label, pad.left - 8, y + rowH / 2);
      let x = pad.left;
      for (const s of series) {
        const w = max ? (s.values[i] / max) * plotW : 0;
        ctx.fillStyle = s.color;
        ctx.fillRect(x, y + rowH * 0.2, w, rowH * 0.6);
        x += w;
      }
      ctx.fillStyle = '#677386';
      ctx.textAlign = 'left';
      ctx.fillText(formatNumber(totals[i]), x + 6, y + rowH / 2);
    });
    if (max === 0 && emptyText) {
      ctx.fillStyle = '#98a2b3';
      ctx.textAlign = 'center';
      ctx.fillText(emptyText, pad.left + plotW / 2, height / 2);
    }
  }

  return { line, bars, formatNumber };
})();

/* oomcast requirement explorer: the page's half of model/report/explorer.py.
 *
 * The report embeds, per thinned posterior draw, the inputs of the piecewise-linear effective-
 * compute projection (float64), the softness of "no AGI yet" and log P(no AGI yet | theta) under the
 * run's own requirement. The reader chooses a requirement (an anchor set, reweighted, or one
 * normal); for each draw theta the page computes, exactly as model/forecast.py
 * `arrival_cdf_by_draw` and model/requirement.py `conditional_cdf` do,
 *
 *   P(T <= y | theta) = F_{R | no AGI yet, theta}(M_theta(y)),
 *   M_theta(y) = max over the grid up to y of E_theta (running maximum),
 *
 * and averages over the draws, optionally importance-weighted by
 * P_new(no AGI yet | theta) / P_run(no AGI yet | theta) (the growth posterior a refit with the
 * reader's requirement would have). Median and intervals: where the mean CDF reaches each
 * probability, linear between grid points (model/summary.py). No network, no dependencies.
 *
 * Special functions (accurate to ~1e-16 absolute, checked against SciPy by the browser test):
 * Phi from erfc(z) = t exp(-z^2 + P(t)), t = 2 / (2 + z), P(t) = log(erfc(z) exp(z^2) / t) as a
 * degree-28 Chebyshev series on t in [0, 1], interpolated at the 29 Chebyshev nodes with mpmath
 * (50 digits); in the hot loops a table of degree-8 Taylor polynomials built from it. Owen's T
 * for 0 <= a <= 1 by 20-point Gauss-Legendre quadrature of
 * (1/2pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx (the integrand is even: 10 nodes), and
 * for a > 1 through T(h, a) = [Phi(h) Q(ah) + Phi(ah) Q(h)] / 2 - T(ah, 1/a).
 *
 * Two economies, neither changing a number beyond rounding:
 * - once M >= E_now + 9 s (s the softness), Phi2(a, b; rho) = Phi(b) - P(U > a, V <= b) with
 *   P(U > a, V <= b) <= P(eps < -9 s) = Q(9) ~ 1e-19, so Phi2 is replaced by Phi(b) there;
 * - grid years are evaluated when needed: whole years after the cutoff and the report years
 *   always (figure, P(by year)), the quarters in between only inside the year where the mean
 *   CDF crosses a quantile's probability (the mean CDF is non-decreasing), which finds the same
 *   grid index and interpolation as evaluating all of them.
 * Each piece's per-draw constants and evaluated columns are cached, so reweighting anchors costs
 * a recombination only; after load the anchor sets are computed in idle time.
 */
(function (root) {
  "use strict";

  // ---------------------------------------------------------------- special functions
  var ERFC_CHEB = [
    -0.6513268598908547, 0.6419697923564902, 0.019476473204185836, -0.009561514786808632,
    -0.0009465953444820369, 0.00036683949785276145, 4.252332480690777e-05,
    -2.0278578112534242e-05, -1.6242900046470256e-06, 1.3036558355805232e-06,
    1.5626441722066142e-08, -8.523809591492654e-08, 6.5290544390988515e-09,
    5.059343495551469e-09, -9.91364156493033e-10, -2.2736512229318383e-10,
    9.646791102015605e-11, 2.3940380830385273e-12, -6.886027526503204e-12,
    8.944879273357139e-13, 3.130921398955721e-13, -1.1270822374970834e-13,
    3.810914039373529e-16, 7.106095975064437e-15, -1.5230315910907376e-15,
    -9.454702239957295e-17, 1.209640228422018e-16, -2.824039928640405e-17,
    8.946378238453598e-19];
  var GL_X = [0.07652652113349734, 0.22778585114164507, 0.37370608871541955,
    0.5108670019508271, 0.636053680726515, 0.7463319064601508, 0.8391169718222188,
    0.912234428251326, 0.9639719272779138, 0.9931285991850949];
  var GL_W = [0.15275338713072584, 0.14917298647260374, 0.14209610931838204,
    0.13168863844917664, 0.11819453196151841, 0.10193011981724044, 0.08327674157670475,
    0.06267204833410907, 0.04060142980038694, 0.017614007139152118];
  var INV_2PI = 1 / (2 * Math.PI);
  var NC = ERFC_CHEB.length;

  function erfcPos(z) {  // erfc(z), z >= 0
    var t = 2 / (2 + z), y = 2 * t - 1, y2 = 2 * y, b1 = 0, b2 = 0, tmp;
    for (var k = NC - 1; k >= 1; k--) {
      tmp = y2 * b1 - b2 + ERFC_CHEB[k];
      b2 = b1;
      b1 = tmp;
    }
    return t * Math.exp(-z * z + (y * b1 - b2 + ERFC_CHEB[0]));
  }

  function Phi(x) {  // standard normal CDF, accurate in relative terms in the lower tail too
    if (x !== x) return NaN;
    var e = 0.5 * erfcPos(Math.abs(x) * Math.SQRT1_2);
    return x < 0 ? e : 1 - e;
  }

  /* The hot loops use a table: Taylor polynomials of degree 8 about nodes 1/32 apart on
   * [-39, 9], Phi(x0 + d) = Phi(x0) + phi(x0) sum_k (-1)^k He_k(x0) d^(k+1) / (k+1)!, built from
   * Phi above: absolute error < 3e-16 (relative 3e-8 at worst, in the far lower tail, where
   * only absolute error matters: these values enter sums of probabilities). */
  var TAB_LO = -39, TAB_HI = 9, TAB_STEP = 32, TAB_DEG = 8, TAB_W = TAB_DEG + 1;
  var PHI_TABLE = (function () {
    var nodes = (TAB_HI - TAB_LO) * TAB_STEP + 1, tab = new Float64Array(nodes * TAB_W);
    for (var k = 0; k < nodes; k++) {
      var x0 = TAB_LO + k / TAB_STEP, dens = Math.exp(-0.5 * x0 * x0) / Math.sqrt(2 * Math.PI);
      var heMinus = 0, he = 1, fact = 1, next;
      tab[k * TAB_W] = Phi(x0);
      for (var j = 0; j < TAB_DEG; j++) {
        fact *= j + 1;
        tab[k * TAB_W + j + 1] = dens * (j % 2 ? -he : he) / fact;
        next = x0 * he - j * heMinus;
        heMinus = he;
        he = next;
      }
    }
    return tab;
  })();

  function PhiFast(x) {
    if (x >= TAB_HI) return 1;  // Q(9) ~ 1e-19: 1 - Q(x) rounds to 1 in double precision
    if (x < TAB_LO) return Phi(x);
    var k = Math.floor((x - TAB_LO) * TAB_STEP + 0.5), d = x - (TAB_LO + k / TAB_STEP);
    var b = k * TAB_W, s = PHI_TABLE[b + TAB_DEG];
    for (var j = TAB_DEG - 1; j >= 0; j--) s = s * d + PHI_TABLE[b + j];
    return s;
  }

  function tQuad(h, a) {  // Owen's T for h >= 0, 0 <= a <= 1
    if (h > 8.6) return 0;  // < exp(-37) / 8: below double precision of any sum it enters
    var hs = -0.5 * h * h, s = 0, x, r;
    for (var i = 0; i < 10; i++) {
      x = a * GL_X[i];
      r = 1 + x * x;
      s += GL_W[i] * Math.exp(hs * r) / r;
    }
    return a * s * INV_2PI;
  }

  function makeOwensT(P) {  // Owen's T with P as the normal CDF (Phi or PhiFast)
    return function (h, a) {
      if (a === 0 || h !== h || a !== a) return a === 0 ? 0 : NaN;
      var sign = 1;
      if (a < 0) { sign = -1; a = -a; }
      h = Math.abs(h);
      if (a <= 1) return sign * tQuad(h, a);
      if (a === Infinity) return sign * 0.5 * P(-h);
      var ah = a * h;
      return sign * (0.5 * (P(h) * P(-ah) + P(ah) * P(-h)) - tQuad(ah, 1 / a));
    };
  }
  var owensT = makeOwensT(Phi), owensTFast = makeOwensT(PhiFast);

  function clip40(x) { return x < -40 ? -40 : (x > 40 ? 40 : x); }
  function notTiny(x) { return Math.abs(x) < 1e-10 ? 1e-10 : x; }

  // requirement.bivariate_normal_cdf, step for step (same clipping of h, k and rho).
  function bvn(h, k, rho) {
    h = notTiny(clip40(h));
    k = notTiny(clip40(k));
    var root = Math.sqrt(Math.max(1 - rho * rho, 1e-300));
    var ah = (k - rho * h) / (h * root), ak = (h - rho * k) / (k * root);
    var beta = h * k < 0 ? 0.5 : 0;
    var out = 0.5 * (Phi(h) + Phi(k)) - owensT(h, ah) - owensT(k, ak) - beta;
    return out < 0 ? 0 : (out > 1 ? 1 : out);
  }

  // requirement.log_piece_survival, exponentiated: P(R + eps > E_now | piece).
  function pieceSurvival(k, alpha, side) {
    var base = Phi(-k);
    if (side === 0) return base;
    var t2 = 2 * owensT(k, alpha);
    if (side > 0) return base + Math.max(t2, 1e-300);
    return Math.max(base - t2, 1e-300);
  }

  // ---------------------------------------------------------------- data
  function decodeF64(b64) {
    var bin = atob(b64), n = bin.length, bytes = new Uint8Array(n);
    for (var i = 0; i < n; i++) bytes[i] = bin.charCodeAt(i);
    return new Float64Array(bytes.buffer);
  }

  var FIELDS = ["effective_compute_at_cutoff", "hardware_growth_oom_per_year",
    "spending_growth_oom_per_year", "other_growth_oom_per_year",
    "algorithmic_growth_oom_per_year", "unhobbling_growth_oom_per_year",
    "gwp_growth_oom_per_year", "spending_headroom_oom", "hardware_remaining_oom",
    "other_remaining_oom", "algorithms_remaining_oom", "unhobbling_remaining_oom",
    "not_yet_agi_softness_oom", "log_p_not_yet_run"];
  // capability.CAPABILITY_ANCHOR_PARAMETERS: a_h, b_h per draw (present when the run has them)
  var CAPABILITY_FIELDS = ["capability_horizon_log10_minutes_at_centre",
    "capability_horizon_per_oom"];

  function decodeColumn(spec, n) {
    if (typeof spec === "number") {
      var c = new Float64Array(n);
      c.fill(spec);
      return c;
    }
    return decodeF64(spec);
  }

  function capped(rate, remaining, tau) {  // projection._capped
    var grown = rate * tau;
    return rate > 0 ? Math.min(grown, remaining) : grown;
  }

  // model/projection.py effective_compute_gain_oom + the running maximum of
  // forecast.arrival_cdf_by_draw, column-major: reach[g * n + i] = E_now,i + max_{g' <= g} gain.
  function reachPaths(d) {
    var n = d.n, G = d.grid.length, reach = new Float64Array(n * G);
    var c = d.cols, tau = new Float64Array(G);
    for (var g = 0; g < G; g++) tau[g] = d.grid[g] - d.cutoff;
    for (var i = 0; i < n; i++) {
      var hw = c.hardware_growth_oom_per_year[i], sp = c.spending_growth_oom_per_year[i];
      var ot = c.other_growth_oom_per_year[i], al = c.algorithmic_growth_oom_per_year[i];
      var un = c.unhobbling_growth_oom_per_year[i], gw = c.gwp_growth_oom_per_year[i];
      var head = Math.max(c.spending_headroom_oom[i], 0);
      var hwR = c.hardware_remaining_oom[i], otR = c.other_remaining_oom[i];
      var alR = c.algorithms_remaining_oom[i], unR = c.unhobbling_remaining_oom[i];
      var e = c.effective_compute_at_cutoff[i], best = -Infinity;
      for (g = 0; g < G; g++) {
        var t = tau[g];
        // projection.physical_gain_oom: min(U, the lowest wall's max(gap0 + g_k tau, 0))
        var phys = capped(hw, hwR, t) + Math.min(sp * t, head + gw * t) + capped(ot, otR, t);
        var wall = Infinity;
        for (var k = 0; k < d.nWalls; k++) {
          wall = Math.min(wall, Math.max(c["wall_gap_at_cutoff_oom_" + k][i]
            + c["wall_growth_oom_per_year_" + k][i] * t, 0));
        }
        var gain = Math.min(phys, wall) + capped(al, alR, t) + capped(un, unR, t);
        if (gain > best || g === 0) best = gain;
        reach[g * n + i] = e + best;
      }
    }
    return reach;
  }

  /* Grid columns always evaluated: the first and last, every whole year after the cutoff and
   * the report years. A quantile then needs only the quarters inside its bracketing year (the
   * mean CDF is non-decreasing: M is a running maximum), which gives the same grid index and
   * interpolation as evaluating every column (model/summary.py's rule). */
  function baseColumns(d) {
    var out = [], G = d.grid.length;
    for (var g = 0; g < G; g++) {
      var t = d.grid[g] - d.cutoff;
      if (g === 0 || g === G - 1 || Math.abs(t - Math.round(t)) < 1e-9
          || d.reportYears.indexOf(d.grid[g]) >= 0) out.push(g);
    }
    return out;
  }

  function load(payload) {
    var n = payload.n_draws, cols = {};
    var nWalls = payload.n_walls || 0;
    FIELDS.forEach(function (f) { cols[f] = decodeColumn(payload.draws[f], n); });
    CAPABILITY_FIELDS.forEach(function (f) {  // the capability anchor's per-draw relation
      if (payload.draws[f] !== undefined) cols[f] = decodeColumn(payload.draws[f], n);
    });
    for (var k = 0; k < nWalls; k++) {
      ["wall_gap_at_cutoff_oom_", "wall_growth_oom_per_year_"].forEach(function (f) {
        cols[f + k] = decodeColumn(payload.draws[f + k], n);
      });
    }
    var d = {
      n: n, cols: cols, nWalls: nWalls, grid: decodeF64(payload.grid_years), cutoff: payload.cutoff_year,
      tref: payload.reference_year, horizon: payload.horizon_year,
      reportYears: payload.report_years, intervalProbs: payload.interval_probs,
      capabilityCentre: payload.capability_centre_log10_flop,
      payload: payload, cache: {}, cacheOrder: []
    };
    d.reach = reachPaths(d);
    d.reportIndex = d.reportYears.map(function (y) {
      for (var g = 0; g < d.grid.length; g++) if (d.grid[g] === y) return g;
      throw new Error("report year " + y + " is not on the grid");
    });
    d.base = baseColumns(d);
    return d;
  }

  // ---------------------------------------------------------------- the requirement
  /* requirement.requirement_pieces: a normal anchor is one piece, a split anchor two halves;
   * the capability anchor (settings.capability, scenario.CapabilityAnchor's fields) is the last,
   * a normal piece whose median and scale differ per draw (pieceState). */
  function piecesOf(anchors, capability) {
    var out = [];
    anchors.forEach(function (a) {
      if (!(a.weight > 0)) return;
      if (a.sigma_below_log10_flop != null) {
        out.push({w: a.weight / 2, median: a.median_log10_flop, sigma: a.sigma_below_log10_flop,
                  year: a.algorithms_year, side: -1});
        out.push({w: a.weight / 2, median: a.median_log10_flop, sigma: a.sigma_above_log10_flop,
                  year: a.algorithms_year, side: 1});
      } else {
        out.push({w: a.weight, median: a.median_log10_flop, sigma: a.sigma_log10_flop,
                  year: a.algorithms_year, side: 0});
      }
    });
    if (capability && out.length && capability.weight > 0) {
      out.push({w: capability.weight, cap: capability, side: 0});
    }
    return out;
  }

  /* capability.capability_requirement per draw: b = max(b_h, floor), m = E_c + (mu_H - a_h) / b,
   * s = sigma_H / b, at reference-year algorithms; b_h < floor: "never" (its mass is "no path":
   * survival 1, no CDF mass). */
  function capabilityPiece(d, cap, i) {
    var bh = d.cols.capability_horizon_per_oom[i];
    var b = Math.max(bh, cap.horizon_per_oom_floor);
    return {m: d.capabilityCentre
               + (cap.log10_horizon_minutes_mu - d.cols.capability_horizon_log10_minutes_at_centre[i]) / b,
            sig: cap.log10_horizon_minutes_sigma / b, never: bh < cap.horizon_per_oom_floor};
  }

  var FAR_Z = 9;  // see the header: the bivariate term is below 1e-19 past E_now + 9 s
  var CACHE_UNPINNED = 12;  // ~0.8 MB each once their columns are filled

  /* A piece's per-draw constants (requirement.conditional_cdf: m, b, rho; the survival S_j
   * that enters the denominator) and, filled on demand, its numerator columns
   * c_j [G_j(hi) - G_j(lo)] per grid year, G(x) = P(U <= x, V > b) = Phi(x) - Phi2(x, b; rho).
   * Phi2 is requirement.bivariate_normal_cdf inlined (b fixed per draw), or Phi(b) past
   * E_now + 9 s. Cached by (median, sigma, algorithms year, side): reweighting is free. */
  function pieceState(d, p, pin) {
    var key = p.cap ? ["capability", p.cap.log10_horizon_minutes_mu,
                       p.cap.log10_horizon_minutes_sigma, p.cap.horizon_per_oom_floor].join("|")
      : [p.median, p.sigma, p.year, p.side].join("|");
    var st = d.cache[key];
    if (st) {
      if (pin && !st.pinned) {
        st.pinned = true;
        d.cacheOrder.splice(d.cacheOrder.indexOf(key), 1);
      }
      return st;
    }
    var n = d.n, cols = d.cols, sig = p.sigma;
    if (p.cap && !cols.capability_horizon_per_oom) {
      throw new Error("this run has no capability parameters for the capability anchor");
    }
    st = {sig: sig, side: p.side, m: new Float64Array(n), k: new Float64Array(n),
          sigs: p.cap ? new Float64Array(n) : null, never: p.cap ? new Uint8Array(n) : null,
          rho: new Float64Array(n), root: new Float64Array(n), phiK: new Float64Array(n),
          xFar: new Float64Array(n), g0: new Float64Array(n), surv: new Float64Array(n),
          cols: new Array(d.grid.length), pinned: !!pin};
    for (var i = 0; i < n; i++) {
      var s = cols.not_yet_agi_softness_oom[i], eNow = cols.effective_compute_at_cutoff[i], m;
      if (p.cap) {  // already at reference-year algorithms
        var c = capabilityPiece(d, p.cap, i);
        sig = c.sig;
        st.sigs[i] = sig;
        st.never[i] = c.never ? 1 : 0;
        m = c.m - cols.algorithmic_growth_oom_per_year[i] * 0;
      } else {
        m = p.median - cols.algorithmic_growth_oom_per_year[i] * (d.tref - p.year);
      }
      var total = Math.sqrt(sig * sig + s * s), b = (eNow - m) / total, rho = sig / total;
      st.m[i] = m;
      st.surv[i] = pieceSurvival(b, sig / s, p.side);
      st.k[i] = notTiny(clip40(b));
      st.rho[i] = rho;
      st.root[i] = Math.sqrt(Math.max(1 - rho * rho, 1e-300));
      st.phiK[i] = PhiFast(st.k[i]);
      st.xFar[i] = (eNow + FAR_Z * s - m) / sig;
      st.g0[i] = p.side !== 0 ? below(st, i, 0) : 0;
    }
    d.cache[key] = st;
    if (!pin) d.cacheOrder.push(key);  // pinned pieces (the presets') are kept
    while (d.cacheOrder.length > CACHE_UNPINNED) delete d.cache[d.cacheOrder.shift()];
    return st;
  }

  function below(st, i, x) {  // G(x) for draw i
    var phiX = PhiFast(clip40(x));
    if (x >= st.xFar[i]) return phiX - st.phiK[i];
    var k = st.k[i], rho = st.rho[i], root = st.root[i], h = notTiny(clip40(x));
    var ah = (k - rho * h) / (h * root), ak = (h - rho * k) / (k * root);
    var biv = 0.5 * (PhiFast(h) + st.phiK[i]) - owensTFast(h, ah) - owensTFast(k, ak)
      - (h * k < 0 ? 0.5 : 0);
    return phiX - (biv < 0 ? 0 : (biv > 1 ? 1 : biv));
  }

  function pieceColumn(d, st, g) {
    var c = st.cols[g];
    if (c) return c;
    var n = d.n, off = g * n, reach = d.reach, sig = st.sig, side = st.side, m = st.m;
    c = new Float64Array(n);
    for (var i = 0; i < n; i++) {
      if (st.sigs) {  // the capability piece: per-draw scale; "never": no CDF mass
        if (st.never[i]) { c[i] = 0; continue; }
        sig = st.sigs[i];
      }
      var a = (reach[off + i] - m[i]) / sig;
      if (side === 0) c[i] = below(st, i, a);
      else if (side > 0) c[i] = a > 0 ? 2 * Math.max(below(st, i, a) - st.g0[i], 0) : 0;
      else c[i] = a < 0 ? 2 * below(st, i, a) : 2 * st.g0[i];
    }
    st.cols[g] = c;
    return c;
  }

  /* Fill a piece's constants and the always-needed columns ahead of use (idle time). */
  function warmPiece(d, p) {
    var st = pieceState(d, p, true);
    d.base.forEach(function (g) { pieceColumn(d, st, g); });
  }

  // ---------------------------------------------------------------- summary
  /* settings: {anchors: [...], no_path_weight, reweight} (anchor records as in the payload).
   * Returns the numbers the page shows; meanCdf is NaN at quarters that were not needed. */
  function compute(d, settings) {
    var n = d.n, G = d.grid.length, i, j;
    var pieces = piecesOf(settings.anchors, settings.capability);
    if (!pieces.length) throw new Error("give at least one anchor a positive weight");
    var states = pieces.map(function (p) { return pieceState(d, p); });
    var den = new Float64Array(n);
    for (i = 0; i < n; i++) den[i] = settings.no_path_weight;
    for (j = 0; j < pieces.length; j++) {
      var nev = states[j].never;  // a "never" draw: the capability mass is "no path" there
      for (i = 0; i < n; i++) den[i] += nev && nev[i] ? pieces[j].w : pieces[j].w * states[j].surv[i];
    }
    var w = new Float64Array(n), lp = d.cols.log_p_not_yet_run, wmax = -Infinity, wsum = 0;
    for (i = 0; i < n; i++) {
      w[i] = settings.reweight ? Math.log(den[i]) - lp[i] : 0;
      if (w[i] > wmax) wmax = w[i];
    }
    for (i = 0; i < n; i++) { w[i] = Math.exp(w[i] - wmax); wsum += w[i]; }
    var w2 = 0;
    for (i = 0; i < n; i++) { w[i] /= wsum; w2 += w[i] * w[i]; }

    var meanCdf = new Float64Array(G).fill(NaN), kept = {}, f = new Float64Array(n);
    function evaluate(g, keep) {  // the weighted mean of F_theta(M_theta(y_g)) over draws
      if (meanCdf[g] === meanCdf[g] && !(keep && !kept[g])) return;
      f.fill(0);
      for (var jj = 0; jj < pieces.length; jj++) {  // numerator, piece by piece as in Python
        var col = pieceColumn(d, states[jj], g), wj = pieces[jj].w;
        for (var ii = 0; ii < n; ii++) f[ii] += wj * col[ii];
      }
      var mean = 0;
      for (ii = 0; ii < n; ii++) {
        var v = f[ii] / den[ii];
        v = v < 0 ? 0 : (v > 1 ? 1 : v);
        f[ii] = v;
        mean += w[ii] * v;
      }
      meanCdf[g] = mean;
      if (keep) kept[g] = f.slice();
    }
    function meanSe(g, complement) {  // weighted mean and its i.i.d. standard error
      evaluate(g, true);
      var col = kept[g], mean = 0, v = 0, x, k;
      for (k = 0; k < n; k++) mean += w[k] * (complement ? 1 - col[k] : col[k]);
      for (k = 0; k < n; k++) {
        x = (complement ? 1 - col[k] : col[k]) - mean;
        v += w[k] * w[k] * x * x;
      }
      return {p: mean, se: Math.sqrt(v)};
    }
    d.base.forEach(function (g) { evaluate(g, false); });
    function quantile(prob) {  // summary._rb_quantile's value, refining one year only
      if (meanCdf[G - 1] < prob) return null;  // after the horizon
      var bi = 0;
      while (meanCdf[d.base[bi]] < prob) bi++;
      var hi = d.base[bi], lo = bi > 0 ? d.base[bi - 1] : -1, g;
      for (g = lo + 1; g < hi; g++) evaluate(g, false);
      g = lo + 1;
      while (meanCdf[g] < prob) g++;
      if (g === 0) return d.grid[0];
      var a = meanCdf[g - 1], b = meanCdf[g], frac = b <= a ? 0 : (prob - a) / (b - a);
      return d.grid[g - 1] + frac * (d.grid[g] - d.grid[g - 1]);
    }
    var pBy = {};
    d.reportYears.forEach(function (y, k) { pBy[String(y)] = meanSe(d.reportIndex[k], false); });
    var intervals = d.intervalProbs.map(function (prob) {
      return {prob: prob, lower: quantile((1 - prob) / 2), upper: quantile(1 - (1 - prob) / 2)};
    });
    return {
      meanCdf: meanCdf, median: quantile(0.5), intervals: intervals, pByYear: pBy,
      pAfterHorizon: meanSe(G - 1, true), essImportance: 1 / w2, nDraws: n, weights: w,
      den: den
    };
  }

  root.OomcastExplorer = {
    Phi: Phi, PhiFast: PhiFast, owensT: owensT, bvn: bvn, load: load, compute: compute,
    piecesOf: piecesOf, warmPiece: warmPiece
  };

  // ---------------------------------------------------------------- the page
  if (typeof document === "undefined") return;

  function el(id) { return document.getElementById(id); }
  function escapeHtml(text) {  // (no regular expression literal with a "<" in this file:
    var div = document.createElement("div");  //  the report escapes "</" in scripts)
    div.textContent = text;
    return div.innerHTML;
  }
  function fmtYear(v, horizon) { return v === null ? "after " + Math.round(horizon) : v.toFixed(1); }
  function fmtPct(p) { return (100 * p).toFixed(1) + "%"; }
  function fmtNum(v) { return v.toFixed(v >= 10 ? 0 : 1); }

  function Page(payload) {
    this.payload = payload;
    this.d = load(payload);
    this.presets = payload.presets;
    this.state = {mode: "anchors", preset: payload.presets[0].key, weights: null,
                  noPath: payload.presets[0].no_path_weight, median: 32, sigma: 2,
                  reweight: true};
    this.setPreset(this.state.preset);
    this.lastMs = NaN;
    this.history = [];
  }

  Page.prototype.preset = function (key) {
    for (var i = 0; i < this.presets.length; i++) if (this.presets[i].key === key) return this.presets[i];
    throw new Error("no anchor set " + key);
  };

  Page.prototype.setPreset = function (key) {
    var pr = this.preset(key);
    this.state.preset = key;
    this.state.weights = pr.anchors.map(function (a) { return a.weight; });
    this.state.noPath = pr.no_path_weight;
  };

  /* The requirement the reader has set, in the form explorer.py `explorer_summary` takes. */
  Page.prototype.settings = function () {
    var st = this.state, keep = 1 - st.noPath;
    if (st.mode === "normal") {
      return {anchors: [{name: "reader", weight: keep, median_log10_flop: st.median,
                         sigma_log10_flop: st.sigma, algorithms_year: this.d.tref}],
              no_path_weight: st.noPath, reweight: st.reweight};
    }
    var pr = this.preset(st.preset), total = 0;
    if (pr.capability) keep = Math.max(keep - pr.capability.weight, 0);  // held at its value
    st.weights.forEach(function (w) { total += w; });
    var anchors = pr.anchors.map(function (a, k) {
      var out = {};
      for (var key in a) if (key !== "source") out[key] = a[key];
      out.weight = total > 0 ? st.weights[k] * keep / total : 0;
      return out;
    });
    var out = {anchors: anchors, no_path_weight: st.noPath, reweight: st.reweight};
    if (pr.capability) out.capability = pr.capability;
    return out;
  };

  Page.prototype.update = function () {
    var t0 = performance.now(), status = el("ex-status"), settings = this.settings(), r;
    try {
      r = compute(this.d, settings);
    } catch (err) {
      status.textContent = "Cannot compute: " + err.message + ".";
      el("ex-summary").textContent = status.textContent;
      el("ex-results").setAttribute("data-error", err.message);
      return null;
    }
    this.result = r;
    this.renderTable(r);
    this.renderWeights();
    this.draw();
    var ms = performance.now() - t0;
    this.lastMs = ms;
    var n = this.d.n, ess = r.essImportance, root = el("ex-results");
    root.setAttribute("data-settings", JSON.stringify(settings));
    root.setAttribute("data-ms", ms.toFixed(1));
    root.removeAttribute("data-error");
    var text = "Recomputed from " + n.toLocaleString("en") + " of "
      + this.payload.n_total.toLocaleString("en") + " posterior draws in " + ms.toFixed(0)
      + " ms" + (settings.reweight ? "; importance-sampling ESS " + ess.toFixed(0) + " of "
      + n.toLocaleString("en") : "") + ".";
    if (settings.reweight && ess < 100) {
      text += " Warning: few draws carry the weight, so these numbers are unreliable: the "
        + "growth posterior under this requirement is far from the run's (a refit would be "
        + "needed; or untick the reweighting).";
    }
    status.textContent = text;
    var pub = this.payload.published, p2030 = r.pByYear["2030"];
    el("ex-summary").textContent = "Your requirement: median " + fmtYear(r.median, this.d.horizon)
      + (p2030 ? ", P(by 2030) " + fmtPct(p2030.p) : "") + ". As published: "
      + fmtYear(pub.median, this.d.horizon)
      + (pub.p_by_year["2030"] !== undefined ? ", " + fmtPct(pub.p_by_year["2030"]) : "") + ".";
    this.history.push({ms: ms, settings: settings});
    return r;
  };

  Page.prototype.renderTable = function (r) {
    var pub = this.payload.published, horizon = this.d.horizon, rows = [];
    function cell(key, value, text, se) {
      return '<td class="num" data-key="' + key + '" data-value="' + (value === null ? "null" : value)
        + '">' + text + (se ? "<br><small>" + se + "</small>" : "") + "</td>";
    }
    function yearCell(key, v) { return cell(key, v, fmtYear(v, horizon)); }
    rows.push("<tr><th scope=\"row\">median</th>" + yearCell("median", r.median)
              + "<td class=\"num\">" + fmtYear(pub.median, horizon) + "</td></tr>");
    r.intervals.forEach(function (iv, k) {
      var p = pub.intervals[k], label = Math.round(iv.prob * 100) + "% interval";
      rows.push("<tr><th scope=\"row\">" + label + "</th><td class=\"num\">"
        + '<span data-key="lower-' + iv.prob + '" data-value="' + iv.lower + '">'
        + fmtYear(iv.lower, horizon) + "</span> – "
        + '<span data-key="upper-' + iv.prob + '" data-value="' + iv.upper + '">'
        + fmtYear(iv.upper, horizon) + "</span></td><td class=\"num\">"
        + fmtYear(p.lower, horizon) + " – " + fmtYear(p.upper, horizon) + "</td></tr>");
    });
    this.d.reportYears.forEach(function (y) {
      var e = r.pByYear[String(y)];
      rows.push("<tr><th scope=\"row\">P(AGI by " + y + ")</th>"
        + cell("p-" + y, e.p, fmtPct(e.p), "±" + (100 * e.se).toFixed(1) + " pp")
        + "<td class=\"num\">" + fmtPct(pub.p_by_year[String(y)]) + "</td></tr>");
    });
    var pa = r.pAfterHorizon;
    rows.push("<tr><th scope=\"row\">P(after " + Math.round(horizon) + ")</th>"
      + cell("p-after", pa.p, fmtPct(pa.p), "±" + (100 * pa.se).toFixed(1) + " pp")
      + "<td class=\"num\">" + fmtPct(pub.p_after_horizon) + "</td></tr>");
    el("ex-tbody").innerHTML = rows.join("");
  };

  Page.prototype.renderWeights = function () {
    var st = this.state, keep = 1 - st.noPath, total = 0, pr = this.preset(st.preset);
    if (st.mode !== "anchors") return;
    if (pr.capability) keep = Math.max(keep - pr.capability.weight, 0);
    st.weights.forEach(function (w) { total += w; });
    st.weights.forEach(function (w, k) {
      var out = el("ex-w-out-" + k);
      if (out) out.textContent = fmtPct(total > 0 ? w * keep / total : 0);
    });
    el("ex-nopath-out").textContent = fmtPct(st.noPath);
  };

  Page.prototype.buildWeights = function () {
    var pr = this.preset(this.state.preset), self = this, box = el("ex-weights"), html = [];
    pr.anchors.forEach(function (a, k) {
      var sd = a.sigma_log10_flop != null ? "sd " + fmtNum(a.sigma_log10_flop)
        : "sd " + fmtNum(a.sigma_below_log10_flop) + " below, " + fmtNum(a.sigma_above_log10_flop)
          + " above";
      html.push('<div class="ex-row"><label for="ex-w-' + k + '">' + a.name.replace(/_/g, " ")
        + " <small>10<sup>" + a.median_log10_flop + "</sup> FLOP at " + a.algorithms_year
        + " algorithms, " + sd + '</small></label><input type="range" id="ex-w-' + k
        + '" min="0" max="1" step="0.005" value="' + self.state.weights[k]
        + '"><output id="ex-w-out-' + k + '" for="ex-w-' + k + '"></output></div>');
    });
    if (pr.capability) {  // shown, held at the run's values: not a slider
      var cap = pr.capability;
      html.push('<p class="ex-key" id="ex-capability-note">capability anchor: '
        + fmtPct(cap.weight) + " (held at this run's values, not editable here): a METR 50% "
        + "horizon of 10<sup>" + cap.log10_horizon_minutes_mu + "</sup> minutes (sd "
        + cap.log10_horizon_minutes_sigma + " in log10), turned into effective FLOP per "
        + "posterior draw by the run's fitted horizon relation; a slope below "
        + cap.horizon_per_oom_floor + " counts as no path. The shares above fill the rest.</p>");
    }
    box.innerHTML = html.join("");
    pr.anchors.forEach(function (a, k) {
      el("ex-w-" + k).addEventListener("input", function (e) {
        self.state.weights[k] = Number(e.target.value);
        self.update();
      });
    });
    el("ex-nopath").value = this.state.noPath;
  };

  Page.prototype.syncControls = function () {
    var st = this.state;
    el("ex-mode-anchors").checked = st.mode === "anchors";
    el("ex-mode-normal").checked = st.mode === "normal";
    el("ex-anchors-panel").hidden = st.mode !== "anchors";
    el("ex-normal-panel").hidden = st.mode !== "normal";
    el("ex-preset").value = st.preset;
    el("ex-median").value = st.median;
    el("ex-sigma").value = st.sigma;
    el("ex-nopath").value = st.noPath;
    el("ex-reweight").checked = st.reweight;
    el("ex-median-out").innerHTML = "10<sup>" + st.median.toFixed(1) + "</sup>";
    el("ex-sigma-out").textContent = st.sigma.toFixed(2);
    el("ex-nopath-out").textContent = fmtPct(st.noPath);
  };

  Page.prototype.bind = function () {
    var self = this, st = this.state;
    var select = el("ex-preset");
    select.innerHTML = this.presets.map(function (p) {
      return '<option value="' + p.key + '">' + escapeHtml(p.label) + "</option>";
    }).join("");
    function modeChange(e) {
      st.mode = e.target.value;
      self.syncControls();
      self.update();
    }
    el("ex-mode-anchors").addEventListener("change", modeChange);
    el("ex-mode-normal").addEventListener("change", modeChange);
    select.addEventListener("change", function () {
      self.setPreset(select.value);
      self.buildWeights();
      self.syncControls();
      self.update();
    });
    el("ex-reset").addEventListener("click", function () {
      self.setPreset(st.preset);
      self.buildWeights();
      self.syncControls();
      self.update();
    });
    el("ex-median").addEventListener("input", function (e) {
      st.median = Number(e.target.value);
      self.syncControls();
      self.update();
    });
    el("ex-sigma").addEventListener("input", function (e) {
      st.sigma = Number(e.target.value);
      self.syncControls();
      self.update();
    });
    el("ex-nopath").addEventListener("input", function (e) {
      st.noPath = Number(e.target.value);
      self.syncControls();
      self.update();
    });
    el("ex-reweight").addEventListener("change", function (e) {
      st.reweight = e.target.checked;
      self.update();
    });
    window.addEventListener("resize", function () { self.draw(); });
    window.addEventListener("hashchange", function () { self.fromHash(); });
  };

  /* #explorer={"mode":"normal","median":31,"sigma":1.5,...}: a link to a setting. */
  Page.prototype.fromHash = function () {
    var m = /explorer=([^&]*)/.exec(location.hash || "");
    if (!m) return false;
    try {
      var h = JSON.parse(decodeURIComponent(m[1])), st = this.state;
      if (h.preset) this.setPreset(h.preset);
      ["mode", "median", "sigma", "noPath", "reweight"].forEach(function (k) {
        if (h[k] !== undefined) st[k] = h[k];
      });
      if (h.weights) st.weights = h.weights.slice();
    } catch (err) {
      return false;
    }
    this.buildWeights();
    this.syncControls();
    this.update();
    return true;
  };

  // ---------------------------------------------------------------- the figure
  Page.prototype.draw = function () {
    var canvas = el("ex-chart"), r = this.result;
    if (!canvas || !r) return;
    var cssW = canvas.clientWidth || 600, narrow = cssW < 520;
    var cssH = narrow ? 420 : 460, dpr = window.devicePixelRatio || 1;
    canvas.style.height = cssH + "px";
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    var ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    var d = this.d, base = d.base, pub = this.published || (this.published = decodeF64(this.payload.published.mean_cdf));
    var xs = base.map(function (g) { return d.grid[g]; });
    var mine = base.map(function (g) { return r.meanCdf[g]; });
    var theirs = base.map(function (g) { return pub[g]; });
    function density(c) {  // per year, between whole years after the cutoff
      var out = [], prev = -1;
      for (var k = 0; k < xs.length; k++) {
        var t = xs[k] - d.cutoff;
        if (Math.abs(t - Math.round(t)) > 1e-9) continue;
        if (prev >= 0) {
          out.push({x: 0.5 * (xs[prev] + xs[k]), y: (c[k] - c[prev]) / (xs[k] - xs[prev])});
        }
        prev = k;
      }
      return out;
    }
    var dm = density(mine), dt = density(theirs), ymax = 0;
    dm.concat(dt).forEach(function (p) { if (p.y > ymax) ymax = p.y; });
    ymax = niceMax(ymax);
    var left = narrow ? 46 : 58, right = 18, gap = narrow ? 54 : 58, top = 26;
    var ph = (cssH - top - gap - 40) / 2;
    var x0 = d.cutoff, x1 = d.horizon, font = (narrow ? 11 : 12) + "px system-ui, sans-serif";
    var panels = [
      {top: top, title: "P(AGI has arrived by year)", ymax: 1, fmt: function (v) { return Math.round(v * 100) + "%"; },
       ticks: [0, 0.25, 0.5, 0.75, 1],
       series: [{pts: xs.map(function (x, k) { return {x: x, y: mine[k]}; }), color: "#1f4e79", dash: [], width: 2.5},
                {pts: xs.map(function (x, k) { return {x: x, y: theirs[k]}; }), color: "#8a939c", dash: [6, 4], width: 2}],
       ylabel: "probability"},
      {top: top + ph + gap, title: "Probability of arrival per year", ymax: ymax,
       fmt: function (v) { return (v * 100).toFixed(ymax < 0.05 ? 1 : 0) + "%"; },
       ticks: [0, ymax / 2, ymax],
       series: [{pts: dm, color: "#1f4e79", dash: [], width: 2.5},
                {pts: dt, color: "#8a939c", dash: [6, 4], width: 2}],
       ylabel: "per year"}
    ];
    var plotW = cssW - left - right;
    function X(x) { return left + (x - x0) / (x1 - x0) * plotW; }
    ctx.font = font;
    panels.forEach(function (p) {
      function Y(y) { return p.top + ph - y / p.ymax * ph; }
      ctx.fillStyle = "#1d2733";
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      ctx.fillText(p.title, left, p.top - 6);
      ctx.strokeStyle = "#d9dee4";
      ctx.lineWidth = 1;
      ctx.setLineDash([]);
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      p.ticks.forEach(function (t) {
        ctx.beginPath();
        ctx.moveTo(left, Y(t));
        ctx.lineTo(left + plotW, Y(t));
        ctx.stroke();
        ctx.fillStyle = "#5b6673";
        ctx.fillText(p.fmt(t), left - 5, Y(t));
      });
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      xTicks(x0, x1, narrow).forEach(function (yr) {
        ctx.beginPath();
        ctx.moveTo(X(yr), p.top);
        ctx.lineTo(X(yr), p.top + ph);
        ctx.stroke();
        ctx.fillText(String(yr), X(yr), p.top + ph + 4);
      });
      ctx.strokeStyle = "#5b6673";
      ctx.strokeRect(left, p.top, plotW, ph);
      p.series.forEach(function (s) {
        ctx.strokeStyle = s.color;
        ctx.lineWidth = s.width;
        ctx.setLineDash(s.dash);
        ctx.beginPath();
        s.pts.forEach(function (pt, k) {
          var yy = Math.min(pt.y, p.ymax);
          if (k) ctx.lineTo(X(pt.x), Y(yy)); else ctx.moveTo(X(pt.x), Y(yy));
        });
        ctx.stroke();
      });
      ctx.setLineDash([]);
      ctx.save();
      ctx.translate(narrow ? 10 : 14, p.top + ph / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillStyle = "#5b6673";
      ctx.fillText(p.ylabel, 0, 0);
      ctx.restore();
    });
    // medians on the CDF panel
    var medians = [{v: this.payload.published.median, color: "#8a939c", dash: [6, 4]},
                   {v: r.median, color: "#1f4e79", dash: []}];
    medians.forEach(function (m) {
      if (m.v === null) return;
      ctx.strokeStyle = m.color;
      ctx.setLineDash(m.dash);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(X(m.v), top + ph);
      ctx.lineTo(X(m.v), top + ph - 0.5 * ph);
      ctx.stroke();
    });
    ctx.setLineDash([]);
    ctx.fillStyle = "#5b6673";
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(narrow ? "year of arrival" : "year (arrival = effective compute first reaches the "
      + "requirement)", left + plotW / 2, cssH - 2);
    canvas.setAttribute("aria-label", "Arrival year under your requirement (solid blue) and as "
      + "published for this run (dashed grey): cumulative probability and probability per year. "
      + "Median " + fmtYear(r.median, d.horizon) + " against " + fmtYear(this.payload.published.median, d.horizon)
      + "; P(by 2030) " + fmtPct(r.pByYear["2030"] ? r.pByYear["2030"].p : NaN) + ".");
  };

  function xTicks(x0, x1, narrow) {  // every decade; on a phone the first, then every 25 years
    var out = [], first = Math.ceil(x0 / 10) * 10;
    if (!narrow) {
      for (var yr = first; yr <= x1 + 1e-9; yr += 10) out.push(yr);
      return out;
    }
    out.push(first);
    for (yr = Math.ceil((first + 15) / 25) * 25; yr <= x1 + 1e-9; yr += 25) out.push(yr);
    return out;
  }

  function niceMax(v) {
    if (!(v > 0)) return 0.01;
    var e = Math.pow(10, Math.floor(Math.log10(v))), f = v / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
  }

  // ---------------------------------------------------------------- start
  function start() {
    var data = el("oomcast-explorer-data");
    if (!data) return;
    var page = new Page(JSON.parse(data.textContent));
    root.OomcastExplorerPage = page;
    page.bind();
    page.buildWeights();
    page.syncControls();
    if (!page.fromHash()) page.update();
    el("oomcast-explorer").setAttribute("data-ready", "true");
    // Warm the anchor sets in idle time, one piece at a time, so switching is a recombination.
    page.warmQueue = [];
    page.presets.forEach(function (p) {
      piecesOf(p.anchors).forEach(function (q) { page.warmQueue.push(q); });
    });
    setTimeout(function next() {
      if (page.warmStep()) setTimeout(next, 0);
    }, 0);
  }

  /* Warm one queued piece; false when none is left (then the root says data-warm="true"). */
  Page.prototype.warmStep = function () {
    if (!this.warmQueue.length) {
      el("oomcast-explorer").setAttribute("data-warm", "true");
      return false;
    }
    warmPiece(this.d, this.warmQueue.shift());
    return true;
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);

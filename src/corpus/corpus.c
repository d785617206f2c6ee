/* corpus: deterministic synthetic flag and bulk files. See corpus.h.
 *
 * How a GIF gets its exact size: the size comes from the code's rank in a
 * fixed hash order, interpolated on a table of the real corpus's quantiles.
 * The picture is a flag-like design (stripes or a cross) with 1 pixel in 4
 * replaced by noise, so its LZW stream grows steadily with the pixel count.
 * The width comes from an estimate of the bits per pixel; one encoding pass
 * then measures the stream for every height at once (the rows of a taller
 * image start with those of a shorter one), the tallest image that fits is
 * encoded for real, and the last few bytes are a GIF comment extension,
 * which every decoder skips. */
#include "corpus/corpus.h"
#include "util/dirs.h"
#include "util/mix64.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Per code: top-level domain (lower case, GB is "uk"), the FIPS 10-4 "GEC"
 * code the CIA factbook uses, and the country's name. Names follow ISO 3166's
 * English short forms, which conveniently exercise the awkward characters
 * (parentheses, commas, apostrophes, non-ASCII) front ends must cope with. */
struct country {
    char tld[3];
    char gec[3];
    const char *name;
};

static const struct country countries[CORPUS_NCODES] = {
    {"ad", "AN", "Andorra"},
    {"ae", "AE", "United Arab Emirates"},
    {"af", "AF", "Afghanistan"},
    {"ag", "AC", "Antigua and Barbuda"},
    {"al", "AL", "Albania"},
    {"am", "AM", "Armenia"},
    {"ao", "AO", "Angola"},
    {"ar", "AR", "Argentina"},
    {"at", "AU", "Austria"},
    {"au", "AS", "Australia"},
    {"az", "AJ", "Azerbaijan"},
    {"ba", "BK", "Bosnia and Herzegovina"},
    {"bb", "BB", "Barbados"},
    {"bd", "BG", "Bangladesh"},
    {"be", "BE", "Belgium"},
    {"bf", "UV", "Burkina Faso"},
    {"bg", "BU", "Bulgaria"},
    {"bh", "BA", "Bahrain"},
    {"bi", "BY", "Burundi"},
    {"bj", "BN", "Benin"},
    {"bn", "BX", "Brunei Darussalam"},
    {"bo", "BL", "Bolivia (Plurinational State of)"},
    {"br", "BR", "Brazil"},
    {"bs", "BF", "Bahamas"},
    {"bt", "BT", "Bhutan"},
    {"bw", "BC", "Botswana"},
    {"by", "BO", "Belarus"},
    {"bz", "BH", "Belize"},
    {"ca", "CA", "Canada"},
    {"cd", "CG", "Congo, Democratic Republic of the"},
    {"cf", "CT", "Central African Republic"},
    {"cg", "CF", "Congo"},
    {"ch", "SZ", "Switzerland"},
    {"ci", "IV", "Côte d'Ivoire"},
    {"cl", "CI", "Chile"},
    {"cm", "CM", "Cameroon"},
    {"cn", "CH", "China"},
    {"co", "CO", "Colombia"},
    {"cr", "CS", "Costa Rica"},
    {"cu", "CU", "Cuba"},
    {"cv", "CV", "Cabo Verde"},
    {"cy", "CY", "Cyprus"},
    {"cz", "EZ", "Czechia"},
    {"de", "GM", "Germany"},
    {"dj", "DJ", "Djibouti"},
    {"dk", "DA", "Denmark"},
    {"dm", "DO", "Dominica"},
    {"dz", "AG", "Algeria"},
    {"ec", "EC", "Ecuador"},
    {"ee", "EN", "Estonia"},
    {"eg", "EG", "Egypt"},
    {"er", "ER", "Eritrea"},
    {"es", "SP", "Spain"},
    {"et", "ET", "Ethiopia"},
    {"fi", "FI", "Finland"},
    {"fj", "FJ", "Fiji"},
    {"fm", "FM", "Micronesia (Federated States of)"},
    {"fr", "FR", "France"},
    {"ga", "GB", "Gabon"},
    {"uk", "UK", "United Kingdom of Great Britain and Northern Ireland"},
    {"gd", "GJ", "Grenada"},
    {"ge", "GG", "Georgia"},
    {"gh", "GH", "Ghana"},
    {"gm", "GA", "Gambia"},
    {"gn", "GV", "Guinea"},
    {"gq", "EK", "Equatorial Guinea"},
    {"gr", "GR", "Greece"},
    {"gt", "GT", "Guatemala"},
    {"gw", "PU", "Guinea-Bissau"},
    {"gy", "GY", "Guyana"},
    {"hn", "HO", "Honduras"},
    {"hr", "HR", "Croatia"},
    {"ht", "HA", "Haiti"},
    {"hu", "HU", "Hungary"},
    {"id", "ID", "Indonesia"},
    {"ie", "EI", "Ireland"},
    {"il", "IS", "Israel"},
    {"in", "IN", "India"},
    {"iq", "IZ", "Iraq"},
    {"ir", "IR", "Iran (Islamic Republic of)"},
    {"is", "IC", "Iceland"},
    {"it", "IT", "Italy"},
    {"jm", "JM", "Jamaica"},
    {"jo", "JO", "Jordan"},
    {"jp", "JA", "Japan"},
    {"ke", "KE", "Kenya"},
    {"kg", "KG", "Kyrgyzstan"},
    {"kh", "CB", "Cambodia"},
    {"ki", "KR", "Kiribati"},
    {"km", "CN", "Comoros"},
    {"kn", "SC", "Saint Kitts and Nevis"},
    {"kp", "KN", "Korea (Democratic People's Republic of)"},
    {"kr", "KS", "Korea, Republic of"},
    {"kw", "KU", "Kuwait"},
    {"kz", "KZ", "Kazakhstan"},
    {"la", "LA", "Lao People's Democratic Republic"},
    {"lb", "LE", "Lebanon"},
    {"lc", "ST", "Saint Lucia"},
    {"li", "LS", "Liechtenstein"},
    {"lk", "CE", "Sri Lanka"},
    {"lr", "LI", "Liberia"},
    {"ls", "LT", "Lesotho"},
    {"lt", "LH", "Lithuania"},
    {"lu", "LU", "Luxembourg"},
    {"lv", "LG", "Latvia"},
    {"ly", "LY", "Libya"},
    {"ma", "MO", "Morocco"},
    {"mc", "MN", "Monaco"},
    {"md", "MD", "Moldova, Republic of"},
    {"me", "MJ", "Montenegro"},
    {"mg", "MA", "Madagascar"},
    {"mh", "RM", "Marshall Islands"},
    {"mk", "MK", "North Macedonia"},
    {"ml", "ML", "Mali"},
    {"mm", "BM", "Myanmar"},
    {"mn", "MG", "Mongolia"},
    {"mr", "MR", "Mauritania"},
    {"mt", "MT", "Malta"},
    {"mu", "MP", "Mauritius"},
    {"mv", "MV", "Maldives"},
    {"mw", "MI", "Malawi"},
    {"mx", "MX", "Mexico"},
    {"my", "MY", "Malaysia"},
    {"mz", "MZ", "Mozambique"},
    {"na", "WA", "Namibia"},
    {"ne", "NG", "Niger"},
    {"ng", "NI", "Nigeria"},
    {"ni", "NU", "Nicaragua"},
    {"nl", "NL", "Netherlands"},
    {"no", "NO", "Norway"},
    {"np", "NP", "Nepal"},
    {"nr", "NR", "Nauru"},
    {"nz", "NZ", "New Zealand"},
    {"om", "MU", "Oman"},
    {"pa", "PM", "Panama"},
    {"pe", "PE", "Peru"},
    {"pg", "PP", "Papua New Guinea"},
    {"ph", "RP", "Philippines"},
    {"pk", "PK", "Pakistan"},
    {"pl", "PL", "Poland"},
    {"pt", "PO", "Portugal"},
    {"pw", "PS", "Palau"},
    {"py", "PA", "Paraguay"},
    {"qa", "QA", "Qatar"},
    {"ro", "RO", "Romania"},
    {"rs", "RI", "Serbia"},
    {"ru", "RS", "Russian Federation"},
    {"rw", "RW", "Rwanda"},
    {"sa", "SA", "Saudi Arabia"},
    {"sb", "BP", "Solomon Islands"},
    {"sc", "SE", "Seychelles"},
    {"sd", "SU", "Sudan"},
    {"se", "SW", "Sweden"},
    {"sg", "SN", "Singapore"},
    {"si", "SI", "Slovenia"},
    {"sk", "LO", "Slovakia"},
    {"sl", "SL", "Sierra Leone"},
    {"sm", "SM", "San Marino"},
    {"sn", "SG", "Senegal"},
    {"so", "SO", "Somalia"},
    {"sr", "NS", "Suriname"},
    {"ss", "OD", "South Sudan"},
    {"st", "TP", "São Tomé and Príncipe"},
    {"sv", "ES", "El Salvador"},
    {"sy", "SY", "Syrian Arab Republic"},
    {"sz", "WZ", "Eswatini"},
    {"td", "CD", "Chad"},
    {"tg", "TO", "Togo"},
    {"th", "TH", "Thailand"},
    {"tj", "TI", "Tajikistan"},
    {"tl", "TT", "Timor-Leste"},
    {"tm", "TX", "Turkmenistan"},
    {"tn", "TS", "Tunisia"},
    {"to", "TN", "Tonga"},
    {"tr", "TU", "Türkiye"},
    {"tt", "TD", "Trinidad and Tobago"},
    {"tv", "TV", "Tuvalu"},
    {"tw", "TW", "Taiwan, Province of China"},
    {"tz", "TZ", "Tanzania, United Republic of"},
    {"ua", "UP", "Ukraine"},
    {"ug", "UG", "Uganda"},
    {"us", "US", "United States of America"},
    {"uy", "UY", "Uruguay"},
    {"uz", "UZ", "Uzbekistan"},
    {"va", "VT", "Holy See"},
    {"vc", "VC", "Saint Vincent and the Grenadines"},
    {"ve", "VE", "Venezuela (Bolivarian Republic of)"},
    {"vn", "VM", "Viet Nam"},
    {"vu", "NH", "Vanuatu"},
    {"ws", "WS", "Samoa"},
    {"ye", "YM", "Yemen"},
    {"za", "SF", "South Africa"},
    {"zm", "ZA", "Zambia"},
    {"zw", "ZI", "Zimbabwe"},
};

/* ---- names ---------------------------------------------------------------- */

const char *corpus_country(int index)
{
    if (index < 0 || index >= CORPUS_NCODES)
        return NULL;
    return countries[index].name;
}

/* ---- deterministic randomness --------------------------------------------- */

#define GOLDEN MIX64_GOLDEN

static uint64_t code_hash(int index)
{
    const char *cc = corpus_codes[index];
    return mix64(((uint64_t)(unsigned char)cc[0] << 8 | (unsigned char)cc[1]) * GOLDEN);
}

/* ---- sizes ---------------------------------------------------------------- */

/* Quantiles of the real corpus's GIF sizes: (rank among the 194, bytes). */
static const struct { int rank; int bytes; } size_knots[] = {
    { 0, 1193 },    { 12, 2820 },   { 24, 4198 },   { 36, 4767 },   { 48, 5523 },
    { 60, 6246 },   { 72, 7159 },   { 84, 9067 },   { 96, 9893 },   { 108, 11085 },
    { 120, 12338 }, { 132, 14033 }, { 144, 16623 }, { 156, 20451 }, { 168, 22598 },
    { 180, 26373 }, { 192, 35175 }, { 193, 36332 },
};

/* Rank of a code in hash order. O(194), recomputed rather than cached so the
 * module keeps no state. */
static int code_rank(int index)
{
    uint64_t h = code_hash(index);
    int rank = 0;
    for (int j = 0; j < CORPUS_NCODES; j++) {
        uint64_t hj = code_hash(j);
        if (hj < h || (hj == h && j < index))
            rank++;
    }
    return rank;
}

size_t corpus_gif_size(int index)
{
    if (index < 0 || index >= CORPUS_NCODES)
        return 0;
    int r = code_rank(index);
    size_t k = 1;
    while (size_knots[k].rank < r)
        k++;
    int r0 = size_knots[k - 1].rank, r1 = size_knots[k].rank;
    int b0 = size_knots[k - 1].bytes, b1 = size_knots[k].bytes;
    return (size_t)(b0 + (long)(b1 - b0) * (r - r0) / (r1 - r0));
}

/* ---- the picture ---------------------------------------------------------- */

#define PALETTE_COLORS  16
#define LZW_MIN_BITS    4       /* log2(PALETTE_COLORS) */
#define LZW_MAX_BITS    12
#define LZW_MAX_CODES   (1 << LZW_MAX_BITS)
#define CLEAR_CODE      (1 << LZW_MIN_BITS)
#define EOI_CODE        (CLEAR_CODE + 1)

/* Produces the pixels of an image of a given width in raster order. The design
 * is laid out on the nominal 3:2 height, so the first rows of a tall image are
 * exactly a short image: that prefix property lets one encoding pass measure
 * every height at once (see lzw_encode). */
struct painter {
    uint64_t state;
    int width, nominal_height, design;
    int x, y;
};

static void painter_start(struct painter *p, uint64_t seed, int width)
{
    p->state = seed;
    p->width = width;
    p->nominal_height = width * 2 / 3 + 1;
    p->design = (int)(seed % 3);
    p->x = p->y = 0;
}

static unsigned painter_next(struct painter *p)
{
    int h = p->nominal_height;
    unsigned base;
    switch (p->design) {
    case 0: /* horizontal tricolour */
        base = p->y >= h ? 2 : (unsigned)(p->y * 3 / h);
        break;
    case 1: /* vertical tricolour */
        base = (unsigned)(p->x * 3 / p->width);
        break;
    default: { /* Nordic cross */
        int half_bar = h / 10 + 1;
        int cx = p->width * 3 / 8, cy = h / 2;
        base = (abs(p->x - cx) < half_bar || abs(p->y - cy) < half_bar) ? 1 : 0;
        break;
    }
    }
    p->state += GOLDEN;
    uint64_t r = mix64(p->state);
    if (++p->x == p->width) {
        p->x = 0;
        p->y++;
    }
    /* One pixel in four is noise: it is what gives the LZW stream a
     * predictable, steadily growing size. */
    return (r & 3) == 0 ? (unsigned)(r >> 8) % PALETTE_COLORS : base;
}

static void write_palette(unsigned char *out, uint64_t seed)
{
    uint64_t s = seed;
    for (int i = 0; i < PALETTE_COLORS * 3; i++) {
        s += GOLDEN;
        out[i] = (unsigned char)mix64(s);
    }
}

/* ---- LZW (the GIF flavour) ------------------------------------------------ */

/* Writes variable-width codes LSB-first, as GIF wants. Counts bytes past cap
 * without storing them, so a measuring pass can run on a bounded buffer. */
struct bitwriter {
    unsigned char *out;
    size_t cap, len;
    uint32_t acc;
    int nbits;
};

static void put_code(struct bitwriter *w, unsigned code, int bits)
{
    w->acc |= (uint32_t)code << w->nbits;
    w->nbits += bits;
    while (w->nbits >= 8) {
        if (w->len < w->cap)
            w->out[w->len] = (unsigned char)w->acc;
        w->len++;
        w->acc >>= 8;
        w->nbits -= 8;
    }
}

/* The dictionary as a trie: child[code][pixel] is the code for string(code)
 * followed by pixel, 0 meaning absent (code 0 is a root, never a child). */
typedef uint16_t lzw_trie[LZW_MAX_CODES][PALETTE_COLORS];

/* Width of the EOI code. After the encoder assigns code N it widens when N
 * reaches 1 << bits; a decoder runs one entry behind but widens on the same
 * code, except that reading the final code it adds one last entry (unless that
 * code is the first after a clear), so the EOI goes out at the width that
 * entry implies. */
static int eoi_bits(int bits, unsigned next, int codes_since_clear)
{
    if (codes_since_clear >= 2 && next < LZW_MAX_CODES && next >= (1u << bits) && bits < LZW_MAX_BITS)
        return bits + 1;
    return bits;
}

/* Encode `height` rows of the painter into the raw LZW code stream (no
 * sub-block framing). Returns the stream's length, which may exceed cap. If
 * row_sizes is not NULL, row_sizes[y] receives the length the stream would
 * have had if the image ended after row y, and encoding stops (returning 0)
 * after the first row whose size exceeds row_limit. */
static size_t lzw_encode(lzw_trie *trie, struct painter *p, int height, unsigned char *out, size_t cap,
             size_t *row_sizes, size_t row_limit)
{
    struct bitwriter w = { .out = out, .cap = cap };
    int bits = LZW_MIN_BITS + 1;
    unsigned next = EOI_CODE + 1;
    int codes_since_clear = 0;

    memset(trie, 0, sizeof(*trie));
    put_code(&w, CLEAR_CODE, bits);
    unsigned prefix = painter_next(p);
    for (int y = 0; y < height; y++) {
        for (int x = y == 0 ? 1 : 0; x < p->width; x++) {
            unsigned k = painter_next(p);
            uint16_t child = (*trie)[prefix][k];
            if (child) {
                prefix = child;
                continue;
            }
            put_code(&w, prefix, bits);
            codes_since_clear++;
            (*trie)[prefix][k] = (uint16_t)next;
            if (next >= (1u << bits) && bits < LZW_MAX_BITS)
                bits++;
            if (++next == LZW_MAX_CODES) {
                put_code(&w, CLEAR_CODE, bits);
                memset(trie, 0, sizeof(*trie));
                bits = LZW_MIN_BITS + 1;
                next = EOI_CODE + 1;
                codes_since_clear = 0;
            }
            prefix = k;
        }
        if (row_sizes) {
            int tail = w.nbits + bits + eoi_bits(bits, next, codes_since_clear + 1);
            row_sizes[y] = w.len + (size_t)(tail + 7) / 8;
            if (row_sizes[y] > row_limit)
                return 0;
        }
    }
    put_code(&w, prefix, bits);
    codes_since_clear++;
    put_code(&w, EOI_CODE, eoi_bits(bits, next, codes_since_clear));
    if (w.nbits > 0)
        put_code(&w, 0, 8 - w.nbits);
    return w.len;
}

/* Header + screen descriptor + palette + image descriptor + min code size +
 * block terminator + trailer. */
#define GIF_FIXED_BYTES (6 + 7 + PALETTE_COLORS * 3 + 10 + 1 + 1 + 1)
#define GIF_MAX_SIDE    2000

/* GIF bytes of an image whose LZW stream is n bytes (255-byte sub-blocks). */
static size_t gif_bytes_for_stream(size_t n)
{
    return GIF_FIXED_BYTES + n + (n + 254) / 255;
}

/* A comment extension costs 3 bytes empty, else at least 5: pads of 1, 2 or 4
 * bytes cannot be made. */
static int pad_possible(size_t pad)
{
    return pad == 0 || pad == 3 || pad >= 5;
}

struct scratch {
    lzw_trie trie;
    unsigned char stream[CORPUS_GIF_MAX_BYTES];
    size_t row_sizes[GIF_MAX_SIDE];
};

/* Tallest image of this width whose GIF fits target with a makeable pad:
 * its height, 0 if even one row is too big, -1 if GIF_MAX_SIDE rows still
 * leave room (the width is too small). */
static int fit_height(struct scratch *s, uint64_t seed, int width, size_t target)
{
    struct painter p;
    painter_start(&p, seed, width);
    lzw_encode(&s->trie, &p, GIF_MAX_SIDE, s->stream, 0, s->row_sizes, target);
    int best = 0;
    for (int h = 1; h <= GIF_MAX_SIDE; h++) {
        size_t total = gif_bytes_for_stream(s->row_sizes[h - 1]);
        if (total > target)
            return best;
        if (pad_possible(target - total))
            best = h;
    }
    return -1;
}

static void put16(unsigned char *at, int v)
{
    at[0] = (unsigned char)(v & 0xff);
    at[1] = (unsigned char)(v >> 8);
}

/* A comment extension of exactly pad bytes (pad_possible(pad) must hold). */
static unsigned char *put_comment(unsigned char *o, size_t pad, int index)
{
    char text[40];
    int tlen = snprintf(text, sizeof(text), "ringfetch synthetic flag %s. ", corpus_codes[index]);
    size_t room = pad - 3, t = 0;
    *o++ = 0x21;
    *o++ = 0xfe;
    while (room > 0) {
        size_t blk = room - 1 > 255 ? 255 : room - 1;
        if (room - (blk + 1) == 1)
            blk--; /* never leave a single byte: a sub-block needs two */
        *o++ = (unsigned char)blk;
        for (size_t i = 0; i < blk; i++)
            *o++ = (unsigned char)text[t++ % (size_t)tlen];
        room -= blk + 1;
    }
    *o++ = 0;
    return o;
}

int corpus_gif(int index, unsigned char *buf, size_t cap)
{
    if (index < 0 || index >= CORPUS_NCODES)
        return -EINVAL;
    size_t target = corpus_gif_size(index);
    if (cap < target)
        return -ENOSPC;
    struct scratch *s = malloc(sizeof(*s));
    if (!s)
        return -ENOMEM;
    uint64_t seed = code_hash(index);

    /* Start from a 3:2 guess at about 2.5 bits per pixel (what this picture
     * compresses to) and widen or narrow until some height fits. */
    int width = (int)sqrt(target * 8 / 2.5 * 1.5);
    int height;
    while ((height = fit_height(s, seed, width, target)) <= 0)
        width += height < 0 ? width / 8 + 1 : -(width / 8 + 1);

    struct painter p;
    painter_start(&p, seed, width);
    size_t n = lzw_encode(&s->trie, &p, height, s->stream, sizeof(s->stream), NULL, 0);
    size_t pad = target - gif_bytes_for_stream(n);

    unsigned char *o = buf;
    memcpy(o, "GIF89a", 6);
    o += 6;
    put16(o, width);
    put16(o + 2, height);
    o[4] = 0xf0 | (LZW_MIN_BITS - 1); /* global table, 8-bit colour, 16 entries */
    o[5] = 0;                         /* background colour index */
    o[6] = 0;                         /* no aspect ratio */
    o += 7;
    write_palette(o, seed);
    o += PALETTE_COLORS * 3;
    if (pad)
        o = put_comment(o, pad, index);
    *o++ = 0x2c;
    put16(o, 0);
    put16(o + 2, 0);
    put16(o + 4, width);
    put16(o + 6, height);
    o[8] = 0; /* no local table, not interlaced */
    o += 9;
    *o++ = LZW_MIN_BITS;
    for (size_t off = 0; off < n; off += 255) {
        size_t blk = n - off > 255 ? 255 : n - off;
        *o++ = (unsigned char)blk;
        memcpy(o, s->stream + off, blk);
        o += blk;
    }
    *o++ = 0;
    *o++ = 0x3b;
    free(s);
    return (int)(o - buf);
}

/* ---- metadata.json -------------------------------------------------------- */

/* Appends s as the body of a JSON string, escaping as Python's json.dumps
 * does by default (ensure_ascii): non-ASCII as \uXXXX, astral code points as
 * surrogate pairs. The table holds valid UTF-8, so decoding trusts it. */
static size_t json_escape(char *out, size_t cap, const char *s)
{
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char tmp[16];
        unsigned cp = *p++;
        if (cp >= 0x80) {
            int extra = cp >= 0xf0 ? 3 : cp >= 0xe0 ? 2 : 1;
            cp &= 0x3f >> extra;
            while (extra-- > 0)
                cp = cp << 6 | (*p++ & 0x3f);
        }
        if (cp >= 0x10000)
            snprintf(tmp, sizeof(tmp), "\\u%04x\\u%04x", 0xd800 + ((cp - 0x10000) >> 10),
                 0xdc00 + ((cp - 0x10000) & 0x3ff));
        else if (cp >= 0x80 || cp < 0x20)
            snprintf(tmp, sizeof(tmp), "\\u%04x", cp);
        else if (cp == '"' || cp == '\\')
            snprintf(tmp, sizeof(tmp), "\\%c", (char)cp);
        else
            snprintf(tmp, sizeof(tmp), "%c", (char)cp);
        for (const char *t = tmp; *t; t++, len++)
            if (len + 1 < cap)
                out[len] = *t;
    }
    if (cap)
        out[len < cap ? len : cap - 1] = 0;
    return len;
}

int corpus_metadata_json(int index, char *buf, size_t cap)
{
    if (index < 0 || index >= CORPUS_NCODES)
        return -EINVAL;
    char name[CORPUS_METADATA_MAX_BYTES];
    if (json_escape(name, sizeof(name), countries[index].name) >= sizeof(name))
        return -ENOSPC;
    int n = snprintf(buf, cap, "{\"tld_cc\": \".%s\", \"iso_cc\": \"%s\", \"country\": \"%s\", \"gec_cc\": \"%s\"}",
             countries[index].tld, corpus_codes[index], name, countries[index].gec);
    if (n < 0 || (size_t)n >= cap)
        return -ENOSPC;
    return n;
}

/* ---- bulk files ----------------------------------------------------------- */

/* 8-byte block b of file index. Block 0 is mix64(index), a bijection, so two
 * files of 8 bytes or more always differ. */
static uint64_t bulk_block(uint64_t index, uint64_t b)
{
    uint64_t head = mix64(index);
    return b == 0 ? head : mix64(head ^ (b * GOLDEN));
}

void corpus_bulk_fill_at(unsigned char *buf, size_t len, uint64_t index, uint64_t offset)
{
    size_t done = 0;
    while (done < len) {
        uint64_t pos = offset + done;
        uint64_t v = bulk_block(index, pos / 8);
        for (unsigned i = (unsigned)(pos % 8); i < 8 && done < len; i++)
            buf[done++] = (unsigned char)(v >> (8 * i));
    }
}

void corpus_bulk_fill(unsigned char *buf, size_t size, uint64_t index)
{
    corpus_bulk_fill_at(buf, size, index, 0);
}

/* ---- writing trees -------------------------------------------------------- */

static int write_all(int fd, const void *data, size_t len)
{
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return -errno;
    int rc = write_all(fd, data, len);
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    return rc;
}

int corpus_write_flags(const char *dir)
{
    char path[4096];
    unsigned char *gif = malloc(CORPUS_GIF_MAX_BYTES);
    if (!gif)
        return -ENOMEM;
    int rc = 0;
    for (int i = 0; i < CORPUS_NCODES && rc == 0; i++) {
        char cc[3] = { (char)(corpus_codes[i][0] | 0x20), (char)(corpus_codes[i][1] | 0x20), 0 };
        if (snprintf(path, sizeof(path), "%s/flags/%s", dir, cc) >= (int)sizeof(path)) {
            rc = -ENAMETOOLONG;
            break;
        }
        if ((rc = dirs_make(path)) < 0)
            break;
        int n = corpus_gif(i, gif, CORPUS_GIF_MAX_BYTES);
        if (n < 0) {
            rc = n;
            break;
        }
        snprintf(path, sizeof(path), "%s/flags/%s/%s.gif", dir, cc, cc);
        if ((rc = write_file(path, gif, (size_t)n)) < 0)
            break;
        char meta[CORPUS_METADATA_MAX_BYTES];
        int m = corpus_metadata_json(i, meta, sizeof(meta));
        if (m < 0) {
            rc = m;
            break;
        }
        snprintf(path, sizeof(path), "%s/flags/%s/metadata.json", dir, cc);
        rc = write_file(path, meta, (size_t)m);
    }
    free(gif);
    return rc;
}

/* Bulk files are produced in pieces of this size so a large file never needs
 * its whole size in memory. */
#define BULK_CHUNK_BYTES (1 << 20)

int corpus_write_bulk(const char *dir, unsigned long count, uint64_t bytes)
{
    int rc = dirs_make(dir);
    if (rc < 0)
        return rc;
    unsigned char *chunk = malloc(BULK_CHUNK_BYTES);
    if (!chunk)
        return -ENOMEM;
    char path[4096];
    for (unsigned long i = 0; i < count && rc == 0; i++) {
        if (snprintf(path, sizeof(path), "%s/f%06lu.bin", dir, i) >= (int)sizeof(path)) {
            rc = -ENAMETOOLONG;
            break;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0) {
            rc = -errno;
            break;
        }
        for (uint64_t off = 0; off < bytes && rc == 0; off += BULK_CHUNK_BYTES) {
            size_t len = bytes - off < BULK_CHUNK_BYTES ? (size_t)(bytes - off) : BULK_CHUNK_BYTES;
            corpus_bulk_fill_at(chunk, len, i, off);
            rc = write_all(fd, chunk, len);
        }
        if (close(fd) < 0 && rc == 0)
            rc = -errno;
    }
    free(chunk);
    return rc;
}

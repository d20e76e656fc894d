import type { PublicResource } from "~/models/campaigns.server";

export function ResourceList({ resources, headingId }: { resources: PublicResource[]; headingId?: string }) {
  return (
    <ul className="resources" aria-labelledby={headingId}>
      {resources.map((resource) => (
        <li key={`${resource.kind}:${resource.title}`}>
          {resource.url ? (
            <a href={resource.url} rel="noopener noreferrer">
              {resource.title}
            </a>
          ) : (
            <strong>{resource.title}</strong>
          )}
          {resource.description ? <p>{resource.description}</p> : null}
        </li>
      ))}
    </ul>
  );
}
